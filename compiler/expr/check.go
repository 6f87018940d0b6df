package expr

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/model"
)

// Arity bounds a function's argument count; Max < 0 means unbounded.
type Arity struct{ Min, Max int }

// Functions is the allow-list of scalar functions an expression may call, with
// their argument counts. compiler/sqlgen renders each for every dialect.
var Functions = map[string]Arity{
	"coalesce": {1, -1}, "ifnull": {2, 2}, "nullif": {2, 2}, "if": {3, 3},
	"abs": {1, 1}, "round": {1, 2}, "floor": {1, 1}, "ceil": {1, 1}, "ceiling": {1, 1},
	"sign": {1, 1}, "sqrt": {1, 1}, "ln": {1, 1}, "exp": {1, 1}, "power": {2, 2}, "pow": {2, 2},
	"greatest": {1, -1}, "least": {1, -1},
	"lower": {1, 1}, "upper": {1, 1}, "length": {1, 1}, "char_length": {1, 1},
	"concat": {1, -1}, "substring": {2, 3}, "substr": {2, 3}, "trim": {1, 1},
	"left": {2, 2}, "right": {2, 2}, "replace": {3, 3},
	"year": {1, 1}, "quarter": {1, 1}, "month": {1, 1}, "day": {1, 1}, "dayofmonth": {1, 1},
	"hour": {1, 1}, "dayofweek": {1, 1}, "date": {1, 1}, "datediff": {2, 2},
	"date_add": {2, 3}, "date_sub": {2, 3}, "adddate": {2, 3}, "subdate": {2, 3},
	"current_date": {0, 0}, "curdate": {0, 0}, "now": {0, 0}, "current_timestamp": {0, 0},
	// Literal forms the parser produces: DATE '…', TIMESTAMP '…'.
	"dateliteral": {1, 1}, "timestampliteral": {1, 1},
}

// Operators an expression may use.
var binaryOps = map[opcode.Op]bool{
	opcode.LogicAnd: true, opcode.LogicOr: true, opcode.LogicXor: true,
	opcode.EQ: true, opcode.NE: true, opcode.LT: true, opcode.LE: true, opcode.GT: true, opcode.GE: true, opcode.NullEQ: true,
	opcode.Plus: true, opcode.Minus: true, opcode.Mul: true, opcode.Div: true, opcode.Mod: true, opcode.IntDiv: true,
}

// Check walks an expression and reports every node or function Strata does not
// allow. Aggregates are never allowed: metrics aggregate, expressions do not.
// what names the expression for messages ("a dimension", "a filter").
func Check(n ast.ExprNode, what string) []*Error {
	c := &checker{what: what}
	n.Accept(c)
	return c.errs
}

type checker struct {
	what string
	errs []*Error
}

func (c *checker) fail(n ast.Node, code, format string, args ...any) {
	c.errs = append(c.errs, &Error{Offset: max(NodeOffset(n), 0), Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.ColumnNameExpr, *ast.ParenthesesExpr, *ast.IsNullExpr, *ast.IsTruthExpr,
		*ast.BetweenExpr, *ast.CaseExpr, *ast.WhenClause, *ast.ColumnName:
	case *test_driver.ValueExpr:
		if code, msg := literalProblem(x); msg != "" {
			c.fail(n, code, "%s", msg)
		}
	case *ast.TimeUnitExpr:
		// Checked with its call below: the unit node carries no position.
	case *ast.PatternLikeOrIlikeExpr:
	case *ast.PatternInExpr:
		if x.Sel != nil {
			c.fail(x.Sel, "expr-not-allowed", "subqueries are not allowed in %s", c.what)
			return n, true
		}
	case *ast.BinaryOperationExpr:
		if !binaryOps[x.Op] {
			c.fail(n, "expr-not-allowed", "operator %s is not allowed in %s", x.Op, c.what)
		}
	case *ast.UnaryOperationExpr:
		if x.Op != opcode.Minus && x.Op != opcode.Plus && x.Op != opcode.Not && x.Op != opcode.Not2 {
			c.fail(n, "expr-not-allowed", "operator %s is not allowed in %s", x.Op, c.what)
		}
	case *ast.FuncCastExpr:
		if castType(x) == "" {
			c.fail(n, "expr-not-allowed", "CAST to %s is not supported; cast to SIGNED, DECIMAL, DOUBLE, CHAR, DATE or DATETIME", x.Tp.String())
		}
	case *ast.FuncCallExpr:
		name := FuncName(x)
		if name == "timeliteral" {
			c.fail(n, "expr-not-allowed", "TIME '…' literals are not supported; compare with TIMESTAMP '…' or use hour()")
			return n, true
		}
		ar, ok := Functions[name]
		if !ok {
			c.fail(n, "unknown-function", "function %s() is not allowed%s", name, model.DidYouMean(name, functionNames()))
			return n, true
		}
		if len(x.Args) < ar.Min || (ar.Max >= 0 && len(x.Args) > ar.Max) {
			c.fail(n, "bad-arguments", "%s() takes %s, not %d", name, arityString(ar), len(x.Args))
		}
		if len(x.Args) == 3 {
			if u, ok := x.Args[2].(*ast.TimeUnitExpr); ok && !IntervalUnits[strings.ToLower(u.Unit.String())] {
				// The amount is the nearest node with a position.
				c.fail(x.Args[1], "expr-not-allowed", "INTERVAL … %s is not supported; use one of SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR", u.Unit)
			}
		}
	case *ast.AggregateFuncExpr:
		c.fail(n, "aggregate-not-allowed", "%s cannot use the aggregate %s(); aggregation belongs in a metric's `agg`", c.what, strings.ToUpper(x.F))
		return n, true
	case *ast.WindowFuncExpr:
		c.fail(n, "aggregate-not-allowed", "window functions are not allowed in %s", c.what)
		return n, true
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		c.fail(n, "expr-not-allowed", "subqueries are not allowed in %s", c.what)
		return n, true
	case *ast.VariableExpr:
		c.fail(n, "expr-not-allowed", "variables are not allowed in %s", c.what)
		return n, true
	default:
		c.fail(n, "expr-not-allowed", "this kind of expression (%s) is not allowed in %s", nodeKind(n), c.what)
		return n, true
	}
	return n, false
}

func (c *checker) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// IntervalUnits are the units INTERVAL and date_add accept; compound units
// (DAY_HOUR, '1 2') are rejected rather than guessed at.
var IntervalUnits = map[string]bool{"second": true, "minute": true, "hour": true, "day": true, "week": true, "month": true, "quarter": true, "year": true}

// literalProblem says why a literal cannot be used, or "": every dialect
// renders NULL, integers, decimals, floats and UTF-8 strings exactly; hex and
// bit literals mean a number or a string depending on context in MySQL, so
// they are rejected rather than read one way.
func literalProblem(v *test_driver.ValueExpr) (code, msg string) {
	d := v.Datum
	switch d.Kind() {
	case test_driver.KindNull, test_driver.KindInt64, test_driver.KindUint64, test_driver.KindFloat32,
		test_driver.KindFloat64, test_driver.KindMysqlDecimal:
		return "", ""
	case test_driver.KindString, test_driver.KindBytes:
		s := d.GetString()
		if i := strings.IndexByte(s, 0); i >= 0 {
			return "bad-literal", "string literals cannot hold a NUL byte (\\0)"
		}
		if !utf8.ValidString(s) {
			return "bad-literal", "string literals must be valid UTF-8"
		}
		return "", ""
	case test_driver.KindBinaryLiteral, test_driver.KindMysqlBit:
		return "bad-literal", "hex and bit literals (0x…, X'…', b'…') are not supported; write the number or the string"
	}
	return "bad-literal", "this kind of literal is not supported; use a number, a string, DATE '…' or TIMESTAMP '…'"
}

func nodeKind(n ast.Node) string {
	s := fmt.Sprintf("%T", n)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "*ast."), "*")
	return s
}

func arityString(a Arity) string {
	switch {
	case a.Max < 0:
		return fmt.Sprintf("at least %d arguments", a.Min)
	case a.Min == a.Max:
		if a.Min == 1 {
			return "1 argument"
		}
		return fmt.Sprintf("%d arguments", a.Min)
	default:
		return fmt.Sprintf("%d to %d arguments", a.Min, a.Max)
	}
}

func functionNames() []string {
	out := make([]string, 0, len(Functions))
	for k := range Functions {
		if !strings.HasSuffix(k, "literal") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// FuncName is a call's lower-case function name. The parser names the literal
// forms DATE '…' and TIMESTAMP '…' with an internal prefix, which is dropped.
func FuncName(x *ast.FuncCallExpr) string {
	n := x.FnName.L
	if i := strings.LastIndexByte(n, '('); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// castType maps a CAST target onto Strata's type vocabulary, or "".
func castType(x *ast.FuncCastExpr) string {
	s := strings.ToLower(x.Tp.String())
	switch {
	case strings.HasPrefix(s, "bigint"), strings.HasPrefix(s, "int"):
		return "bigint"
	case strings.HasPrefix(s, "decimal"):
		return "decimal"
	case strings.HasPrefix(s, "double"), strings.HasPrefix(s, "float"):
		return "double"
	case strings.HasPrefix(s, "char"), strings.HasPrefix(s, "varchar"), strings.HasPrefix(s, "binary"):
		return "varchar"
	case strings.HasPrefix(s, "date") && !strings.HasPrefix(s, "datetime"):
		return "date"
	case strings.HasPrefix(s, "datetime"):
		return "timestamp"
	}
	return ""
}

// CastType is castType for sqlgen.
func CastType(x *ast.FuncCastExpr) string { return castType(x) }

// Columns lists the column references of an expression in text order.
func Columns(n ast.ExprNode) []*ast.ColumnNameExpr {
	v := &colVisitor{}
	n.Accept(v)
	return v.cols
}

type colVisitor struct{ cols []*ast.ColumnNameExpr }

func (v *colVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if c, ok := n.(*ast.ColumnNameExpr); ok {
		v.cols = append(v.cols, c)
	}
	return n, false
}
func (v *colVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// Name is a column reference written as text: `name`, `table.name` or
// `schema.table.name` joined with dots.
func Name(c *ast.ColumnName) string {
	parts := make([]string, 0, 3)
	for _, s := range []string{c.Schema.O, c.Table.O, c.Name.O} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ".")
}
