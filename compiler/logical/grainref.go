package logical

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

// ResolveGrain reads a field reference as written: a field, optionally
// followed by one of its time grains (transactions.txn_time.month). It is
// the one reading of grain references, for query dimensions and filters and
// for model expressions alike.
func (c *Catalog) ResolveGrain(name string) (field, grain string, err *ResolveError) {
	name = strings.TrimSpace(name)
	// A field named as written wins over a grain suffix. Look it up before
	// calling Resolve on the whole name: a failed Resolve builds a "did you
	// mean" over every field, which dominated compiling any time grain.
	if c.AnyField(name) != nil {
		return name, "", nil
	}
	q := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 && slices.Contains(model.Grains, name[i+1:]) {
		q, grain = name[:i], name[i+1:]
	} else if i >= 0 {
		// "orders.ordered_at.fortnight": a time field and a grain that is none.
		if f := c.AnyField(name[:i]); f != nil && f.IsTime() {
			return "", "", &ResolveError{Code: "bad-grain", Msg: fmt.Sprintf("%q is not a grain of %s (grains: %s)%s", name[i+1:], name[:i], strings.Join(f.Grains(), ", "), model.DidYouMean(name[i+1:], f.Grains()))}
		}
	}
	q, err = c.Resolve(q)
	if err != nil {
		return "", "", err
	}
	if grain == "" {
		return q, "", nil
	}
	f := c.AnyField(q)
	if !f.IsTime() {
		return "", "", &ResolveError{Code: "bad-grain", Msg: fmt.Sprintf("%s is %s and has no grains; only date and timestamp fields do", q, f.Type)}
	}
	if !slices.Contains(f.Grains(), grain) {
		return "", "", &ResolveError{Code: "bad-grain", Msg: fmt.Sprintf("%s is a date and has no %s grain (grains: %s)", q, grain, strings.Join(f.Grains(), ", "))}
	}
	return q, grain, nil
}

// GrainType is the type of a time field read at a grain: the start of its
// period, a date (a timestamp at hour grain).
func GrainType(f model.Type, grain string) model.Type {
	switch grain {
	case "":
		return f
	case "hour":
		return model.Type{Base: "timestamp"}
	}
	return model.Type{Base: "date"}
}

// refType types a qualified reference, read at its grain, for the type
// checker of model expressions.
func (c *Catalog) refType(col *ast.ColumnName) (model.Type, bool) {
	name, grain := FieldRef(col)
	f := c.AnyField(name)
	if f == nil || f.Type.Base == "" {
		return model.Type{}, false
	}
	return GrainType(f.Type, grain), true
}

// GrainLabels finds the literals a grain reference is compared with (=, <>,
// IN) that are not the start of a period: the period is labelled by its
// start, so '2025-01-15' at month grain would silently match nothing. grain
// gives a column reference's grain ("" for none).
func GrainLabels(n ast.ExprNode, grain func(*ast.ColumnName) string) []*expr.Error {
	v := &labelVisitor{grain: grain}
	n.Accept(v)
	return v.errs
}

type labelVisitor struct {
	grain func(*ast.ColumnName) string
	errs  []*expr.Error
}

func (v *labelVisitor) Enter(n ast.Node) (ast.Node, bool) {
	var col ast.ExprNode
	var lits []ast.ExprNode
	switch x := n.(type) {
	case *ast.BinaryOperationExpr:
		if x.Op != opcode.EQ && x.Op != opcode.NE {
			return n, false
		}
		col, lits = x.L, []ast.ExprNode{x.R}
		if _, ok := unparen(x.L).(*ast.ColumnNameExpr); !ok {
			col, lits = x.R, []ast.ExprNode{x.L}
		}
	case *ast.PatternInExpr:
		col, lits = x.Expr, x.List
	default:
		return n, false
	}
	c, ok := unparen(col).(*ast.ColumnNameExpr)
	if !ok {
		return n, false
	}
	g := v.grain(c.Name)
	if g == "" {
		return n, false
	}
	for _, l := range lits {
		lit, ok := unparen(l).(*test_driver.ValueExpr)
		if !ok || lit.Datum.Kind() != test_driver.KindString {
			continue
		}
		s := lit.Datum.GetString()
		tl, err := expr.ParseTimeLiteral(s)
		if err != nil {
			continue // the type checker reports it
		}
		if start := model.GrainStart(tl.Time, g); !start.Equal(tl.Time) {
			layout := "2006-01-02"
			if g == "hour" {
				layout = "2006-01-02 15:04:05"
			}
			v.errs = append(v.errs, &expr.Error{Offset: max(expr.NodeOffset(lit), 0), Code: "bad-period-label",
				Msg: fmt.Sprintf("'%s' is not the start of a %s: %s labels each %s by its start, so write '%s'", s, g, expr.Name(c.Name), g, start.Format(layout))})
		}
	}
	return n, false
}

func (v *labelVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func unparen(n ast.ExprNode) ast.ExprNode {
	for {
		p, ok := n.(*ast.ParenthesesExpr)
		if !ok {
			return n
		}
		n = p.Expr
	}
}
