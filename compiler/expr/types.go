package expr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/model"
)

// ColumnType gives the type of a (qualified) column reference; ok is false
// when the reference is unknown, which is reported elsewhere.
type ColumnType func(col *ast.ColumnName) (t model.Type, ok bool)

// TypeCheck checks an expression's operands against each other and against
// the catalog's types, before anything runs: a varchar compared with a number,
// a decimal with 'abc', a timestamp with an integer, 'yesterday' or
// '2025-02-30' read as a date, a string added to an interval, a condition that
// is not boolean. cond says that the whole expression is a condition (a where,
// having or filter). Each error is at the operand that is wrong and says what
// was expected. The expression must have passed Check.
//
// The rules follow what every engine Strata targets accepts without an error
// and without a lossy implicit cast: numbers compare with numbers and with
// string literals that read as numbers; strings with strings; dates and
// timestamps with each other and with string literals that read as a valid
// date or timestamp; booleans with booleans and the literals TRUE, FALSE, 0, 1.
func TypeCheck(n ast.ExprNode, what string, cols ColumnType, cond bool) []*Error {
	tc := &typer{what: what, cols: cols}
	t := tc.typeOf(n)
	if cond && len(tc.errs) == 0 && !t.isBool() {
		tc.fail(n, "expected a condition (true or false) for %s, not %s", what, t.describe())
	}
	return tc.errs
}

// kind is a type as the checker sees it: a family, and for literals their
// value, which decides whether a string literal reads as a date or a number.
type kind struct {
	fam  string // model.Fam*, or famInterval, or "" for unknown/NULL
	typ  model.Type
	lit  *test_driver.ValueExpr
	name string // the column's name, for messages
}

const famInterval = "interval"

func (k kind) any() bool    { return k.fam == "" || k.fam == model.FamAny }
func (k kind) isBool() bool { return k.any() || k.fam == model.FamBool || k.boolLiteral() }

func (k kind) boolLiteral() bool {
	if k.lit == nil {
		return false
	}
	switch k.lit.Datum.Kind() {
	case test_driver.KindInt64:
		v := k.lit.Datum.GetInt64()
		return v == 0 || v == 1
	}
	return false
}

func (k kind) strLit() (string, bool) {
	if k.lit == nil || k.fam != model.FamString {
		return "", false
	}
	return k.lit.Datum.GetString(), true
}

func (k kind) describe() string {
	switch {
	case k.name != "":
		return fmt.Sprintf("%s (%s)", k.name, k.typ)
	case k.lit != nil && k.fam == model.FamString:
		s, _ := k.strLit()
		return fmt.Sprintf("the string %s", quoteForMsg(s))
	case k.lit != nil && k.fam == model.FamNumber:
		if k.lit.Datum.Kind() == test_driver.KindInt64 || k.lit.Datum.Kind() == test_driver.KindUint64 {
			return "an integer"
		}
		return "a number"
	case k.fam == famInterval:
		return "an interval"
	case k.any():
		return "NULL"
	}
	return "a " + k.fam
}

func quoteForMsg(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

type typer struct {
	what string
	cols ColumnType
	errs []*Error
}

func (tc *typer) fail(n ast.Node, format string, args ...any) {
	tc.errs = append(tc.errs, &Error{Offset: max(NodeOffset(n), 0), Code: "type-mismatch", Msg: fmt.Sprintf(format, args...)})
}

var (
	kBool   = kind{fam: model.FamBool, typ: model.Type{Base: "boolean"}}
	kNumber = kind{fam: model.FamNumber, typ: model.Type{Base: "double"}}
	kInt    = kind{fam: model.FamNumber, typ: model.Type{Base: "bigint"}}
	kString = kind{fam: model.FamString, typ: model.Type{Base: "varchar"}}
	kDate   = kind{fam: model.FamDate, typ: model.Type{Base: "date"}}
	kTime   = kind{fam: model.FamTime, typ: model.Type{Base: "timestamp"}}
	kAny    = kind{}
)

func fromType(t model.Type, name string) kind {
	return kind{fam: t.Family(), typ: t, name: name}
}

func (tc *typer) typeOf(n ast.ExprNode) kind {
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		t, ok := tc.cols(x.Name)
		if !ok {
			return kAny
		}
		return fromType(t, Name(x.Name))
	case *test_driver.ValueExpr:
		return literalKind(x)
	case *ast.ParenthesesExpr:
		return tc.typeOf(x.Expr)
	case *ast.BinaryOperationExpr:
		return tc.binary(x)
	case *ast.UnaryOperationExpr:
		v := tc.typeOf(x.V)
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			tc.wantBool(x.V, v, "NOT")
			return kBool
		}
		tc.wantNumber(x.V, v, "unary "+x.Op.String())
		return v
	case *ast.IsNullExpr:
		tc.typeOf(x.Expr)
		return kBool
	case *ast.IsTruthExpr:
		tc.wantBool(x.Expr, tc.typeOf(x.Expr), "IS TRUE / IS FALSE")
		return kBool
	case *ast.BetweenExpr:
		v := tc.typeOf(x.Expr)
		tc.compare(x.Expr, v, x.Left, tc.typeOf(x.Left), "BETWEEN")
		tc.compare(x.Expr, v, x.Right, tc.typeOf(x.Right), "BETWEEN")
		return kBool
	case *ast.PatternInExpr:
		v := tc.typeOf(x.Expr)
		for _, it := range x.List {
			tc.compare(x.Expr, v, it, tc.typeOf(it), "IN")
		}
		return kBool
	case *ast.PatternLikeOrIlikeExpr:
		tc.wantString(x.Expr, tc.typeOf(x.Expr), "LIKE")
		tc.wantString(x.Pattern, tc.typeOf(x.Pattern), "LIKE")
		return kBool
	case *ast.CaseExpr:
		return tc.caseExpr(x)
	case *ast.FuncCastExpr:
		return tc.cast(x)
	case *ast.FuncCallExpr:
		return tc.call(x)
	case *ast.TimeUnitExpr:
		return kind{fam: famInterval}
	}
	return kAny
}

func literalKind(v *test_driver.ValueExpr) kind {
	switch v.Datum.Kind() {
	case test_driver.KindInt64, test_driver.KindUint64:
		k := kInt
		k.lit = v
		return k
	case test_driver.KindFloat32, test_driver.KindFloat64, test_driver.KindMysqlDecimal:
		k := kNumber
		k.lit = v
		return k
	case test_driver.KindString, test_driver.KindBytes:
		k := kString
		k.lit = v
		return k
	}
	return kAny
}

func (tc *typer) binary(x *ast.BinaryOperationExpr) kind {
	l, r := tc.typeOf(x.L), tc.typeOf(x.R)
	switch x.Op {
	case opcode.LogicAnd, opcode.LogicOr, opcode.LogicXor:
		tc.wantBool(x.L, l, strings.ToUpper(x.Op.String()))
		tc.wantBool(x.R, r, strings.ToUpper(x.Op.String()))
		return kBool
	case opcode.EQ, opcode.NE, opcode.LT, opcode.LE, opcode.GT, opcode.GE, opcode.NullEQ:
		tc.compare(x.L, l, x.R, r, x.Op.String())
		return kBool
	case opcode.Plus, opcode.Minus:
		if l.fam == model.FamDate || l.fam == model.FamTime || r.fam == model.FamDate || r.fam == model.FamTime {
			tc.fail(x.R, "%s on a date or timestamp needs an INTERVAL (%s %s INTERVAL 1 DAY); for the days between two dates use datediff()", x.Op, tc.side(x.L, l), x.Op)
			return kAny
		}
	}
	// Arithmetic: numbers only; a string literal that reads as a number is a number.
	tc.wantNumber(x.L, l, x.Op.String())
	tc.wantNumber(x.R, r, x.Op.String())
	if l.typ.IsInteger() && r.typ.IsInteger() && x.Op != opcode.Div {
		return kInt
	}
	if x.Op == opcode.IntDiv {
		return kInt
	}
	return kNumber
}

func (tc *typer) side(n ast.Node, k kind) string {
	if k.name != "" {
		return k.name
	}
	return "x"
}

func (tc *typer) wantBool(n ast.Node, k kind, op string) {
	if !k.isBool() {
		tc.fail(n, "%s needs a condition (true or false), not %s", op, k.describe())
	}
}

func (tc *typer) wantNumber(n ast.Node, k kind, op string) {
	if k.any() || k.fam == model.FamNumber {
		return
	}
	if s, ok := k.strLit(); ok && isNumber(s) {
		return
	}
	if k.fam == model.FamString && k.lit != nil {
		tc.fail(n, "%s needs a number, and %s is not one", op, k.describe())
		return
	}
	tc.fail(n, "%s needs a number, not %s", op, k.describe())
}

func (tc *typer) wantString(n ast.Node, k kind, op string) {
	if k.any() || k.fam == model.FamString {
		return
	}
	tc.fail(n, "%s needs a string, not %s", op, k.describe())
}

func (tc *typer) wantTime(n ast.Node, k kind, fn string) kind {
	switch {
	case k.any() || k.fam == model.FamDate || k.fam == model.FamTime:
		return k
	}
	if s, ok := k.strLit(); ok {
		if _, err := ParseTimeLiteral(s); err == nil {
			return kTime
		} else {
			tc.fail(n, "%s needs a date or timestamp, and %s is not one: %v", fn, k.describe(), err)
			return kAny
		}
	}
	tc.fail(n, "%s needs a date or timestamp, not %s", fn, k.describe())
	return kAny
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

// compare checks that two operands of a comparison can be compared. The error
// points at the literal when one side is a literal, else at the right side.
func (tc *typer) compare(ln ast.Node, l kind, rn ast.Node, r kind, op string) {
	if l.any() || r.any() {
		return
	}
	// Put a column (or a non-literal) on the left.
	if l.lit != nil && r.lit == nil {
		ln, l, rn, r = rn, r, ln, l
	}
	bad := func(want string) {
		tc.fail(rn, "cannot compare %s with %s: expected %s", l.describe(), r.describe(), want)
	}
	switch l.fam {
	case model.FamNumber:
		if r.fam == model.FamNumber || r.fam == model.FamBool {
			return
		}
		if s, ok := r.strLit(); ok && isNumber(s) {
			return
		}
		bad("a number")
	case model.FamString:
		if r.fam == model.FamString {
			return
		}
		if r.lit != nil {
			bad(fmt.Sprintf("a string, such as '%s'", literalText(r.lit)))
			return
		}
		bad("a string")
	case model.FamBool:
		if r.fam == model.FamBool || r.boolLiteral() {
			return
		}
		bad("TRUE or FALSE")
	case model.FamDate, model.FamTime:
		if r.fam == model.FamDate || r.fam == model.FamTime {
			return
		}
		if s, ok := r.strLit(); ok {
			if _, err := ParseTimeLiteral(s); err != nil {
				tc.fail(rn, "%s is not a valid %s: %v", r.describe(), l.fam, err)
			}
			return
		}
		example := "'2025-01-31'"
		if l.fam == model.FamTime {
			example = "'2025-01-31 00:00:00'"
		}
		bad(fmt.Sprintf("a %s, such as %s", l.fam, example))
	case famInterval:
		bad("a date or timestamp")
	}
}

func literalText(v *test_driver.ValueExpr) string {
	switch v.Datum.Kind() {
	case test_driver.KindInt64:
		return strconv.FormatInt(v.Datum.GetInt64(), 10)
	case test_driver.KindUint64:
		return strconv.FormatUint(v.Datum.GetUint64(), 10)
	case test_driver.KindMysqlDecimal:
		return v.Datum.GetMysqlDecimal().String()
	case test_driver.KindFloat64, test_driver.KindFloat32:
		return strconv.FormatFloat(v.Datum.GetFloat64(), 'g', -1, 64)
	}
	return v.Datum.GetString()
}

func (tc *typer) caseExpr(x *ast.CaseExpr) kind {
	var val kind
	if x.Value != nil {
		val = tc.typeOf(x.Value)
	}
	var res kind
	resNode := ast.Node(nil)
	merge := func(n ast.ExprNode) {
		k := tc.typeOf(n)
		if res.any() {
			res, resNode = k, n
			return
		}
		if !k.any() && k.fam != res.fam && !(k.lit != nil && k.fam == model.FamString && (res.fam == model.FamDate || res.fam == model.FamTime)) {
			tc.fail(n, "CASE results must share one type: %s, but this is %s", describeAt(res, resNode), k.describe())
		}
	}
	for _, w := range x.WhenClauses {
		if x.Value != nil {
			tc.compare(x.Value, val, w.Expr, tc.typeOf(w.Expr), "CASE")
		} else {
			tc.wantBool(w.Expr, tc.typeOf(w.Expr), "WHEN")
		}
		merge(w.Result)
	}
	if x.ElseClause != nil {
		merge(x.ElseClause)
	}
	res.lit = nil
	return res
}

func describeAt(k kind, _ ast.Node) string { return "the first is " + k.describe() }

func (tc *typer) cast(x *ast.FuncCastExpr) kind {
	v := tc.typeOf(x.Expr)
	switch CastType(x) {
	case "date":
		if s, ok := v.strLit(); ok {
			if _, err := ParseTimeLiteral(s); err != nil {
				tc.fail(x.Expr, "CAST to DATE: %s is not a valid date: %v", v.describe(), err)
			}
		}
		return kDate
	case "timestamp":
		if s, ok := v.strLit(); ok {
			if _, err := ParseTimeLiteral(s); err != nil {
				tc.fail(x.Expr, "CAST to DATETIME: %s is not a valid timestamp: %v", v.describe(), err)
			}
		}
		return kTime
	case "bigint":
		tc.castNumber(x, v)
		return kInt
	case "decimal", "double":
		tc.castNumber(x, v)
		return kNumber
	}
	return kString
}

func (tc *typer) castNumber(x *ast.FuncCastExpr, v kind) {
	if s, ok := v.strLit(); ok && !isNumber(s) {
		tc.fail(x.Expr, "CAST to a number: %s is not a number", v.describe())
	}
	if v.fam == model.FamDate || v.fam == model.FamTime {
		tc.fail(x.Expr, "CAST of %s to a number is not supported; use year(), month(), datediff()…", v.describe())
	}
}

func (tc *typer) call(x *ast.FuncCallExpr) kind {
	name := FuncName(x)
	args := make([]kind, len(x.Args))
	for i, a := range x.Args {
		args[i] = tc.typeOf(a)
	}
	fn := name + "()"
	switch name {
	case "dateliteral", "timestampliteral":
		want := "date"
		if name == "timestampliteral" {
			want = "timestamp"
		}
		s, _ := args[0].strLit()
		if tl, err := ParseTimeLiteral(s); err != nil {
			tc.fail(x, "%s is not a valid %s: %v", quoteForMsg(s), want, err)
		} else if want == "date" && !tl.DateOnly {
			tc.fail(x, "DATE %s holds a time of day; write TIMESTAMP %s", quoteForMsg(s), quoteForMsg(s))
		}
		if want == "date" {
			return kDate
		}
		return kTime
	case "date_add", "date_sub", "adddate", "subdate":
		base := tc.wantTime(x.Args[0], args[0], fn)
		if len(x.Args) >= 2 {
			if s, ok := args[1].strLit(); ok && !isInteger(s) || (!args[1].any() && args[1].fam != model.FamNumber && args[1].lit == nil) {
				tc.fail(x.Args[1], "INTERVAL needs a whole number of units, not %s", args[1].describe())
			} else if args[1].lit != nil && args[1].fam == model.FamNumber && !args[1].typ.IsInteger() {
				tc.fail(x.Args[1], "INTERVAL needs a whole number of units, not %s", literalText(args[1].lit))
			}
		}
		if base.fam == model.FamDate && len(x.Args) == 3 {
			if u, ok := x.Args[2].(*ast.TimeUnitExpr); ok {
				switch strings.ToLower(u.Unit.String()) {
				case "hour", "minute", "second":
					return kTime
				}
			}
		}
		return base
	case "year", "quarter", "month", "day", "dayofmonth", "hour", "dayofweek":
		tc.wantTime(x.Args[0], args[0], fn)
		return kInt
	case "date":
		tc.wantTime(x.Args[0], args[0], fn)
		return kDate
	case "datediff":
		tc.wantTime(x.Args[0], args[0], fn)
		tc.wantTime(x.Args[1], args[1], fn)
		return kInt
	case "current_date", "curdate":
		return kDate
	case "now", "current_timestamp":
		return kTime
	case "lower", "upper", "trim", "replace", "left", "right", "substring", "substr":
		tc.wantString(x.Args[0], args[0], fn)
		for i := 1; i < len(args); i++ {
			if name == "replace" {
				tc.wantString(x.Args[i], args[i], fn)
			} else {
				tc.wantNumber(x.Args[i], args[i], fn)
			}
		}
		return kString
	case "length", "char_length":
		tc.wantString(x.Args[0], args[0], fn)
		return kInt
	case "concat":
		return kString
	case "abs", "round", "floor", "ceil", "ceiling", "sign", "sqrt", "ln", "exp", "power", "pow":
		for i := range args {
			tc.wantNumber(x.Args[i], args[i], fn)
		}
		if name == "sign" {
			return kInt
		}
		if len(args) > 0 && (name == "abs" || name == "floor" || name == "ceil" || name == "ceiling" || name == "round") && !args[0].any() {
			k := args[0]
			k.lit, k.name = nil, ""
			return k
		}
		return kNumber
	case "if":
		tc.wantBool(x.Args[0], args[0], fn)
		return tc.same(fn, x.Args[1:], args[1:])
	case "coalesce", "ifnull", "nullif", "greatest", "least":
		return tc.same(fn, x.Args, args)
	}
	return kAny
}

func isInteger(s string) bool {
	_, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return err == nil
}

// same checks that a function's arguments share one family and returns it.
func (tc *typer) same(fn string, ns []ast.ExprNode, ks []kind) kind {
	var first kind
	for i, k := range ks {
		if k.any() {
			continue
		}
		if first.any() {
			first = k
			continue
		}
		tc.compare(ns[0], first, ns[i], k, fn)
	}
	first.lit, first.name = nil, ""
	return first
}
