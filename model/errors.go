package model

import (
	"fmt"
	"strings"
)

// Every diagnostic the model layer (and the compiler's check phase) reports is
// constructed here, so that wording and codes stay consistent. Codes are
// stable: scripts and editors may match on them.

func newDiag(pos Pos, code, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: SevError, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrYAMLSyntax: the file is not valid YAML.
func ErrYAMLSyntax(pos Pos, msg string) *Diagnostic {
	return newDiag(pos, "yaml-syntax", "invalid YAML: %s", msg)
}

// ErrTooDeep: nesting past the depth limit.
func ErrTooDeep(pos Pos, max int) *Diagnostic {
	return newDiag(pos, "too-deep", "mappings and lists nest more than %d levels deep here; a model file is never that deep, so the file was not read further", max)
}

// ErrTooLarge: a file past the size limit.
func ErrTooLarge(pos Pos, size int64, max int64) *Diagnostic {
	return newDiag(pos, "too-large", "the file is %s; model files are limited to %s (split it, or check that it is the right file)", humanBytes(size), humanBytes(max))
}

// ErrAliasCycle: an alias (or a merge key's alias) that leads back into the
// mapping holding it.
func ErrAliasCycle(pos Pos, alias string, anchor Pos) *Diagnostic {
	return newDiag(pos, "yaml-alias", "*%s refers to the mapping that holds it (anchor &%s at line %d): aliases and merge keys cannot form a cycle", alias, alias, anchor.Line)
}

// ErrAliasBudget: more alias expansions than a file may make.
func ErrAliasBudget(pos Pos, max int) *Diagnostic {
	return newDiag(pos, "yaml-alias", "aliases expand more than %d times in this file (an alias that expands to more aliases multiplies them); the file was not read further", max)
}

// ErrUnknownKey: a key the format does not have.
func ErrUnknownKey(pos Pos, key, where string, known []string) *Diagnostic {
	return newDiag(pos, "unknown-key", "unknown key %q in %s%s", key, where, DidYouMean(key, known))
}

// ErrDuplicateKey: the same key twice in one mapping.
func ErrDuplicateKey(pos Pos, key string, first Pos) *Diagnostic {
	return newDiag(pos, "duplicate-key", "key %q appears twice in this mapping (first at line %d)", key, first.Line)
}

// ErrMissing: a required key is absent.
func ErrMissing(pos Pos, key, where string) *Diagnostic {
	return newDiag(pos, "missing-key", "%s needs %q", where, key)
}

// ErrWrongShape: a value of the wrong YAML kind.
func ErrWrongShape(pos Pos, key, want, got string) *Diagnostic {
	return newDiag(pos, "wrong-type", "%s must be %s, not %s", key, want, got)
}

// ErrBadValue: a value outside its allowed set.
func ErrBadValue(pos Pos, key, value string, allowed []string) *Diagnostic {
	return newDiag(pos, "bad-value", "%s %q is not one of %s%s", key, value, strings.Join(allowed, ", "), DidYouMean(value, allowed))
}

// ErrInvalid: a value that does not parse, with the parser's reason.
func ErrInvalid(pos Pos, key, reason string) *Diagnostic {
	return newDiag(pos, "invalid-value", "%s: %s", key, reason)
}

// ErrVersion: an unsupported format version.
func ErrVersion(pos Pos, v int) *Diagnostic {
	return newDiag(pos, "bad-version", "version %d is not supported by this strata (supported: 1)", v)
}

// ErrDuplicateName: two definitions of one name.
func ErrDuplicateName(pos Pos, kind, name string, first Pos) *Diagnostic {
	return newDiag(pos, "duplicate-name", "%s %q is already defined at %s", kind, name, first)
}

// ErrNameClash: a name used by two kinds of things that share a namespace.
func ErrNameClash(pos Pos, kind, name, other string, first Pos) *Diagnostic {
	return newDiag(pos, "duplicate-name", "%s %q clashes with the %s of the same name at %s", kind, name, other, first)
}

// ErrBadName: a name that is not a valid identifier.
func ErrBadName(pos Pos, kind, name string) *Diagnostic {
	return newDiag(pos, "bad-name", "%s name %q must start with a letter or _ and hold only letters, digits and _", kind, name)
}

// ErrUnknownTable: a reference to a table that does not exist.
func ErrUnknownTable(pos Pos, name string, known []string) *Diagnostic {
	return newDiag(pos, "unknown-table", "unknown table %q%s", name, DidYouMean(name, known))
}

// ErrUnknownColumn: a reference to a column a table does not have.
func ErrUnknownColumn(pos Pos, table, col string, known []string) *Diagnostic {
	return newDiag(pos, "unknown-column", "table %q has no column %q%s", table, col, DidYouMean(col, known))
}

// ErrBadType: a column type Strata does not know.
func ErrBadType(pos Pos, col, reason string) *Diagnostic {
	return newDiag(pos, "bad-type", "column %q: %s", col, reason)
}

// ErrRelNotKey: a many_to_one / one_to_one relationship whose target is not a key.
func ErrRelNotKey(pos Pos, rel, target, key string) *Diagnostic {
	if key == "" {
		return newDiag(pos, "relationship-not-key", "relationship %s: %s must be the primary key of its table, which declares none", rel, target)
	}
	return newDiag(pos, "relationship-not-key", "relationship %s: %s is not the primary key of its table (the key is %s)", rel, target, key)
}

// ErrRelTypes: joined columns of incompatible types.
func ErrRelTypes(pos Pos, rel string, a, b Type) *Diagnostic {
	return newDiag(pos, "relationship-types", "relationship %s joins %s to %s", rel, a, b)
}

// ErrRelCycle: relationships that lead back to where they started.
func ErrRelCycle(pos Pos, path []string) *Diagnostic {
	return newDiag(pos, "relationship-cycle", "relationships form a cycle: %s", strings.Join(path, " -> "))
}

// ErrAmbiguousPath: two join paths from a fact to one table and no role to tell them apart.
func ErrAmbiguousPath(pos Pos, fact, table, p1, p2 string) *Diagnostic {
	return newDiag(pos, "ambiguous-path", "fact %q reaches table %q by two paths: %s and %s; give one relationship a role with `as:`", fact, table, p1, p2)
}

// ErrMetricCycle: metrics that refer to each other.
func ErrMetricCycle(pos Pos, path []string) *Diagnostic {
	return newDiag(pos, "metric-cycle", "metric references form a cycle: %s", strings.Join(path, " -> "))
}

// ErrUnknownMetric: a reference to a metric that does not exist.
func ErrUnknownMetric(pos Pos, name string, known []string) *Diagnostic {
	return newDiag(pos, "unknown-metric", "unknown metric %q%s", name, DidYouMean(name, known))
}

// ErrMetricShape: a metric whose keys do not make one of the metric kinds.
func ErrMetricShape(pos Pos, name, reason string) *Diagnostic {
	return newDiag(pos, "metric-shape", "metric %q: %s", name, reason)
}

// ErrExprSyntax: an expression the SQL parser rejects.
func ErrExprSyntax(pos Pos, msg string) *Diagnostic {
	return newDiag(pos, "expr-syntax", "syntax error in expression: %s", msg)
}

// ErrExpr: an expression that parses but is not allowed or does not resolve.
func ErrExpr(pos Pos, code, format string, args ...any) *Diagnostic {
	return newDiag(pos, code, format, args...)
}

// ErrUnknownField: a field no wide table has.
func ErrUnknownField(pos Pos, name string, known []string) *Diagnostic {
	return newDiag(pos, "unknown-field", "unknown field %q%s", name, DidYouMean(name, known))
}

// ErrAmbiguousField: a bare name that several fields end with.
func ErrAmbiguousField(pos Pos, name string, candidates []string) *Diagnostic {
	return newDiag(pos, "ambiguous-field", "field %q is ambiguous: it could be %s", name, strings.Join(candidates, ", "))
}

// ErrAggInDimension: an aggregate where a row-level expression is required.
func ErrAggInDimension(pos Pos, what, fn string) *Diagnostic {
	return newDiag(pos, "aggregate-not-allowed", "%s cannot use the aggregate %s(); define a metric instead", what, strings.ToUpper(fn))
}

// ErrUnreachable: a field a fact cannot reach.
func ErrUnreachable(pos Pos, field, fact string) *Diagnostic {
	return newDiag(pos, "unreachable-field", "field %q cannot be reached from fact %q (no many_to_one path)", field, fact)
}

// WarnLiteralToken: an API key's token is written in a model file instead of
// coming from the environment.
func WarnLiteralToken(pos Pos, key, envName string) *Diagnostic {
	d := newDiag(pos, "literal-token", "api key %s: the token is written in the file; keep secrets out of git: write `token: ${%s}` and set that variable where strata serve runs", key, envName)
	d.Severity = SevWarning
	return d
}
