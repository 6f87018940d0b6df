package logical

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

var (
	tBool   = model.Type{Base: "boolean"}
	tString = model.Type{Base: "varchar"}
	tBigint = model.Type{Base: "bigint"}
	tDouble = model.Type{Base: "double"}
	tDate   = model.Type{Base: "date"}
	tTime   = model.Type{Base: "timestamp"}
)

// InferType gives an expression's result type from its shape and the types of
// the columns it reads. It is used for describe, result metadata and for
// deciding whether a computed field takes time grains.
func InferType(n ast.ExprNode, col func(*ast.ColumnName) model.Type) model.Type {
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		return col(x.Name)
	case *ast.ParenthesesExpr:
		return InferType(x.Expr, col)
	case *test_driver.ValueExpr:
		switch x.Datum.Kind() {
		case test_driver.KindInt64, test_driver.KindUint64:
			return tBigint
		case test_driver.KindString:
			return tString
		case test_driver.KindNull:
			return model.Type{}
		}
		return tDouble
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.Plus, opcode.Minus, opcode.Mul, opcode.Mod:
			l, r := InferType(x.L, col), InferType(x.R, col)
			if l.IsTemporal() {
				return l
			}
			if l.IsInteger() && r.IsInteger() {
				return tBigint
			}
			return tDouble
		case opcode.Div:
			return tDouble
		case opcode.IntDiv:
			return tBigint
		}
		return tBool
	case *ast.UnaryOperationExpr:
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			return tBool
		}
		return InferType(x.V, col)
	case *ast.IsNullExpr, *ast.IsTruthExpr, *ast.BetweenExpr, *ast.PatternInExpr, *ast.PatternLikeOrIlikeExpr:
		return tBool
	case *ast.CaseExpr:
		for _, w := range x.WhenClauses {
			if t := InferType(w.Result, col); t.Base != "" {
				return t
			}
		}
		if x.ElseClause != nil {
			return InferType(x.ElseClause, col)
		}
	case *ast.FuncCastExpr:
		switch expr.CastType(x) {
		case "bigint":
			return tBigint
		case "double", "decimal":
			return tDouble
		case "date":
			return tDate
		case "timestamp":
			return tTime
		}
		return tString
	case *ast.FuncCallExpr:
		switch expr.FuncName(x) {
		case "dateliteral", "date", "current_date", "curdate":
			return tDate
		case "timestampliteral", "now", "current_timestamp":
			return tTime
		case "lower", "upper", "concat", "substring", "substr", "trim", "left", "right", "replace":
			return tString
		case "year", "quarter", "month", "day", "dayofmonth", "hour", "dayofweek", "datediff", "length", "char_length", "sign":
			return tBigint
		case "coalesce", "ifnull", "nullif", "greatest", "least", "abs", "date_add", "date_sub", "adddate", "subdate":
			if len(x.Args) > 0 {
				return InferType(x.Args[0], col)
			}
		case "if":
			return InferType(x.Args[1], col)
		}
		return tDouble
	}
	return model.Type{}
}
