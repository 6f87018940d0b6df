package sqlgen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

// ColumnFunc renders a column reference.
type ColumnFunc func(col *ast.ColumnName) (string, error)

// Expr renders a checked expression for the dialect. Column references go
// through cols; literals are re-quoted by the dialect, so no user text reaches
// the SQL except through the AST.
func Expr(d Dialect, n ast.ExprNode, cols ColumnFunc, tz string) (string, error) {
	r := &renderer{d: d, cols: cols, tz: tz}
	return r.expr(n)
}

type renderer struct {
	d    Dialect
	cols ColumnFunc
	tz   string
}

var binOps = map[opcode.Op]string{
	opcode.LogicAnd: "AND", opcode.LogicOr: "OR",
	opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.LE: "<=", opcode.GT: ">", opcode.GE: ">=",
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Mod: "%",
}

func (r *renderer) list(ns []ast.ExprNode) ([]string, error) {
	out := make([]string, len(ns))
	for i, n := range ns {
		s, err := r.expr(n)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func not(b bool) string {
	if b {
		return "NOT "
	}
	return ""
}

func (r *renderer) expr(n ast.ExprNode) (string, error) {
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		return r.cols(x.Name)
	case *test_driver.ValueExpr:
		return r.value(x)
	case *ast.ParenthesesExpr:
		s, err := r.expr(x.Expr)
		return "(" + s + ")", err
	case *ast.BinaryOperationExpr:
		l, err := r.expr(x.L)
		if err != nil {
			return "", err
		}
		rr, err := r.expr(x.R)
		if err != nil {
			return "", err
		}
		switch x.Op {
		case opcode.Div:
			return fmt.Sprintf("(%s / NULLIF(%s, 0))", l, rr), nil
		case opcode.IntDiv:
			return r.d.IntDiv(l, rr), nil
		case opcode.NullEQ:
			return r.d.NullSafeEqual(l, rr), nil
		case opcode.LogicXor:
			return fmt.Sprintf("((%s) <> (%s))", l, rr), nil
		}
		op, ok := binOps[x.Op]
		if !ok {
			return "", fmt.Errorf("operator %s is not supported", x.Op)
		}
		return fmt.Sprintf("(%s %s %s)", l, op, rr), nil
	case *ast.UnaryOperationExpr:
		v, err := r.expr(x.V)
		if err != nil {
			return "", err
		}
		switch x.Op {
		case opcode.Minus:
			return "(-" + v + ")", nil
		case opcode.Plus:
			return v, nil
		default:
			return "(NOT " + v + ")", nil
		}
	case *ast.IsNullExpr:
		v, err := r.expr(x.Expr)
		return fmt.Sprintf("(%s IS %sNULL)", v, not(x.Not)), err
	case *ast.IsTruthExpr:
		v, err := r.expr(x.Expr)
		t := "TRUE"
		if x.True == 0 {
			t = "FALSE"
		}
		return fmt.Sprintf("(%s IS %s%s)", v, not(x.Not), t), err
	case *ast.BetweenExpr:
		args, err := r.list([]ast.ExprNode{x.Expr, x.Left, x.Right})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(%s %sBETWEEN %s AND %s)", args[0], not(x.Not), args[1], args[2]), nil
	case *ast.PatternInExpr:
		v, err := r.expr(x.Expr)
		if err != nil {
			return "", err
		}
		items, err := r.list(x.List)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(%s %sIN (%s))", v, not(x.Not), strings.Join(items, ", ")), nil
	case *ast.PatternLikeOrIlikeExpr:
		args, err := r.list([]ast.ExprNode{x.Expr, x.Pattern})
		if err != nil {
			return "", err
		}
		if !x.IsLike {
			return r.d.ILike(args[0], args[1], x.Not), nil
		}
		return fmt.Sprintf("(%s %sLIKE %s)", args[0], not(x.Not), args[1]), nil
	case *ast.CaseExpr:
		return r.caseExpr(x)
	case *ast.FuncCastExpr:
		v, err := r.expr(x.Expr)
		if err != nil {
			return "", err
		}
		t := model.Type{Base: expr.CastType(x)}
		if t.Base == "decimal" {
			t.Precision, t.Scale = max(x.Tp.GetFlen(), 1), max(x.Tp.GetDecimal(), 0)
			if t.Precision > 38 {
				t.Precision = 38
			}
		}
		return fmt.Sprintf("CAST(%s AS %s)", v, r.d.Type(t)), nil
	case *ast.FuncCallExpr:
		return r.call(x)
	case *ast.TimeUnitExpr:
		return strings.ToUpper(x.Unit.String()), nil
	}
	return "", fmt.Errorf("expression %T is not supported", n)
}

func (r *renderer) caseExpr(x *ast.CaseExpr) (string, error) {
	var b strings.Builder
	b.WriteString("(CASE")
	if x.Value != nil {
		v, err := r.expr(x.Value)
		if err != nil {
			return "", err
		}
		b.WriteString(" " + v)
	}
	for _, w := range x.WhenClauses {
		args, err := r.list([]ast.ExprNode{w.Expr, w.Result})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, " WHEN %s THEN %s", args[0], args[1])
	}
	if x.ElseClause != nil {
		v, err := r.expr(x.ElseClause)
		if err != nil {
			return "", err
		}
		b.WriteString(" ELSE " + v)
	}
	b.WriteString(" END)")
	return b.String(), nil
}

func (r *renderer) call(x *ast.FuncCallExpr) (string, error) {
	name := expr.FuncName(x)
	if _, ok := expr.Functions[name]; !ok {
		return "", fmt.Errorf("function %s() is not allowed", name)
	}
	args, err := r.list(x.Args)
	if err != nil {
		return "", err
	}
	switch name {
	case "dateliteral":
		return r.d.DateLiteral(args[0]), nil
	case "timestampliteral":
		return r.d.TimestampLiteral(args[0]), nil
	}
	if s, ok := r.d.Func(name, args, r.tz); ok {
		return s, nil
	}
	return call(strings.ToUpper(name), args), nil
}

func (r *renderer) value(v *test_driver.ValueExpr) (string, error) {
	d := v.Datum
	switch d.Kind() {
	case test_driver.KindNull:
		return "NULL", nil
	case test_driver.KindInt64:
		return strconv.FormatInt(d.GetInt64(), 10), nil
	case test_driver.KindUint64:
		return strconv.FormatUint(d.GetUint64(), 10), nil
	case test_driver.KindFloat32, test_driver.KindFloat64:
		return strconv.FormatFloat(d.GetFloat64(), 'g', -1, 64), nil
	case test_driver.KindMysqlDecimal:
		return d.GetMysqlDecimal().String(), nil
	case test_driver.KindString, test_driver.KindBytes:
		return r.d.QuoteString(d.GetString()), nil
	}
	return "", fmt.Errorf("literal of kind %d is not supported", d.Kind())
}
