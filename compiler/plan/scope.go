package plan

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
)

// Scope limits a query to what one API key may read. It is set by the
// server from the key, never by the caller (it has no JSON form).
type Scope struct {
	Key string // the key's name, for messages
	// Where is ANDed into the query's filter as its own term, so no
	// filter the caller writes can widen it (an OR stays inside its term).
	Where string
	// Metrics, when not nil, are the only metrics the key may read.
	Metrics []string
}

// scope applies the query's scope: every requested metric (and every metric
// having reads) must be allowed, and the scope filter joins the query's
// where terms, marked so that the rewrite and error messages can name it.
func (b *builder) scope() *Error {
	sc := b.q.Scope
	if sc == nil {
		return nil
	}
	if sc.Metrics != nil {
		allowed := map[string]bool{}
		for _, m := range sc.Metrics {
			allowed[m] = true
		}
		for i, m := range b.p.Metrics {
			if !allowed[m.Name] {
				return &Error{Field: fmt.Sprintf("metrics[%d]", i), Code: "forbidden-metric",
					Msg: fmt.Sprintf("key %s may not read metric %s (allowed: %s)", sc.Key, m.Name, strings.Join(sc.Metrics, ", "))}
			}
		}
		if b.p.Having != nil {
			for _, col := range expr.Columns(b.p.Having) {
				if name := expr.Name(col.Name); !allowed[name] {
					return &Error{Field: "having", Offset: expr.NodeOffset(col), Code: "forbidden-metric",
						Msg: fmt.Sprintf("key %s may not read metric %s", sc.Key, name)}
				}
			}
		}
	}
	if strings.TrimSpace(sc.Where) == "" {
		return nil
	}
	// The key's own scope failing is the server's configuration, not the
	// query: one code for every way it can.
	badScope := func(what, msg string) *Error {
		return &Error{Field: "scope", Code: "bad-scope", Msg: fmt.Sprintf("key %s has a scope %s: %s", sc.Key, what, msg)}
	}
	n, err := parseFilter(sc.Where, "scope", "a key's scope")
	if err != nil {
		return badScope("that does not parse", err.Msg)
	}
	// Read as a query's where is (strata validate checks it the same way):
	// fields, time fields at a grain, typed as a condition.
	for _, col := range expr.Columns(n) {
		d, rerr := ResolveDim(b.cat, expr.Name(col.Name))
		if rerr != nil {
			return badScope("on an unknown field", rerr.Msg)
		}
		logical.SetQualifiedGrain(col.Name, d.Field, d.Grain)
	}
	if errs := expr.TypeCheck(n, "a key's scope", b.fieldType, true); len(errs) > 0 {
		return badScope("that is no valid filter", errs[0].Msg)
	}
	terms, terr := b.timeRanges(Conjuncts(n))
	if terr != nil {
		return badScope("that is no valid filter", terr.Msg)
	}
	if b.p.ScopeTerms == nil {
		b.p.ScopeTerms = map[ast.ExprNode]bool{}
	}
	for _, c := range terms {
		b.p.ScopeTerms[c] = true
		b.p.Where = append(b.p.Where, c)
	}
	return nil
}

// scopeUnreachable is the error for a scope term a part's fact cannot read:
// the key may then not read that fact at all.
func (b *builder) scopeUnreachable(field, fact string, pt *Part) *Error {
	return &Error{Field: "scope", Code: "scope-unreachable",
		Msg: fmt.Sprintf("key %s may read only rows filtered on %s, which fact %s cannot reach; %s", b.q.Scope.Key, field, fact, b.unavailable(pt))}
}

// IsScope reports whether a where term comes from the key's scope.
func (p *Plan) IsScope(term ast.ExprNode) bool { return p.ScopeTerms[term] }

// unavailable names what a key cannot read from a fact its scope misses.
func (b *builder) unavailable(pt *Part) string {
	if len(pt.Measures) == 0 {
		return "its values are not available to this key"
	}
	return "metric " + b.measureNames(pt) + " is not available to this key"
}
