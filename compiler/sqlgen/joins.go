package sqlgen

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
)

// The FROM clause of a part on raw tables: the fact, then its dimensions.
//
// A dimension is LEFT JOINed — a fact row without a match still counts, under
// NULL — unless a filter term rejects every row where one of its columns is
// NULL: then the rows a LEFT JOIN would keep are filtered out anyway, and an
// inner join gives the same answer while leaving the engine free to reorder
// the joins and push the filter into the dimension's scan, as it does for a
// hand-written star join.
//
// The inner joins come first, in the order the filter first names their
// dimensions, then the LEFT JOINs in the wide table's order. An engine's join
// order search breaks ties between equally estimated dimensions by their
// place in the statement; the filter's order is the analyst's (and the
// hand-written query's), and a LEFT JOIN listed before an inner one would
// stand in the way of reordering them. Each join's left side is still joined
// before it: an inner-joined dimension's whole path is inner-joined.

// from renders the FROM clause with the part's joins.
func (w *writer) from(pt *plan.Part) string { return w.fromJoins(pt, pt.Joins) }

func (w *writer) fromJoins(pt *plan.Part, joins []logical.Join) string {
	if pt.Rollup != nil {
		if t, ok := w.tail[pt]; ok {
			return t
		}
		return "FROM " + Table(w.d, pt.Rollup.Table) + " AS " + w.q("r")
	}
	fact := pt.Fact.Fact
	s := "FROM " + w.q(fact.Name) + " AS " + w.q(fact.Name)
	if w.factFrom != "" {
		s = "FROM " + w.factFrom + " AS " + w.q(fact.Name)
	}
	for _, j := range orderJoins(pt, joins) {
		to := pt.Fact.Instance(j.join.ToAlias)
		kind := "LEFT JOIN"
		if j.inner {
			kind = "JOIN"
		}
		s += fmt.Sprintf("\n%s %s AS %s ON %s.%s = %s.%s", kind, w.q(to.Table.Name), w.q(j.join.ToAlias),
			w.q(j.join.FromAlias), w.q(j.join.FromColumn), w.q(j.join.ToAlias), w.q(j.join.ToColumn))
	}
	return s
}

type sqlJoin struct {
	join  logical.Join
	inner bool
}

// orderJoins puts the inner joins first, in the order the filter names them,
// then the LEFT JOINs in their given order.
func orderJoins(pt *plan.Part, joins []logical.Join) []sqlJoin {
	given := map[string]logical.Join{}
	for _, j := range joins {
		given[j.ToAlias] = j
	}
	var out []sqlJoin
	done := map[string]bool{}
	for _, alias := range innerJoined(pt) {
		in := pt.Fact.Instance(alias)
		for _, p := range in.Path {
			j, ok := given[p.ToAlias]
			if !ok || done[p.ToAlias] {
				continue
			}
			done[p.ToAlias] = true
			out = append(out, sqlJoin{join: j, inner: true})
		}
	}
	for _, j := range joins {
		if !done[j.ToAlias] {
			out = append(out, sqlJoin{join: j})
		}
	}
	return out
}

// innerJoined lists, in the order the filter first names them, the instances
// whose NULL columns some filter term rejects.
func innerJoined(pt *plan.Part) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range pt.Where {
		for _, alias := range nullRejected(pt, c) {
			if !seen[alias] && pt.Fact.Instance(alias) != nil {
				seen[alias] = true
				out = append(out, alias)
			}
		}
	}
	return out
}

// nullRejected lists the instances a term is not true for when they are
// missing (all their columns NULL): a comparison, IN, BETWEEN, LIKE or IS NOT
// NULL of a plain column with literals rejects the column's instance; an AND
// rejects what either side rejects, an OR what both sides reject.
func nullRejected(pt *plan.Part, c ast.ExprNode) []string {
	for {
		p, ok := c.(*ast.ParenthesesExpr)
		if !ok {
			break
		}
		c = p.Expr
	}
	var col ast.ExprNode
	var others []ast.ExprNode
	switch x := c.(type) {
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.LogicAnd:
			return union(nullRejected(pt, x.L), nullRejected(pt, x.R))
		case opcode.LogicOr:
			return intersect(nullRejected(pt, x.L), nullRejected(pt, x.R))
		case opcode.EQ, opcode.NE, opcode.LT, opcode.LE, opcode.GT, opcode.GE:
		default:
			return nil
		}
		col, others = x.L, []ast.ExprNode{x.R}
		if _, isCol := x.L.(*ast.ColumnNameExpr); !isCol {
			col, others = x.R, []ast.ExprNode{x.L}
		}
	case *ast.PatternInExpr:
		if x.Sel != nil {
			return nil
		}
		col, others = x.Expr, x.List
	case *ast.BetweenExpr:
		col, others = x.Expr, []ast.ExprNode{x.Left, x.Right}
	case *ast.PatternLikeOrIlikeExpr:
		col, others = x.Expr, []ast.ExprNode{x.Pattern}
	case *ast.IsNullExpr:
		if !x.Not {
			return nil
		}
		col = x.Expr
	default:
		return nil
	}
	ce, ok := col.(*ast.ColumnNameExpr)
	if !ok {
		return nil
	}
	name, grain := logical.FieldRef(ce.Name)
	f := pt.Fact.Field(name)
	if f == nil || f.Computed != nil || grain != "" || f.Alias == pt.Fact.Fact.Name {
		return nil
	}
	for _, o := range others {
		v, ok := o.(*test_driver.ValueExpr)
		if !ok || v.Datum.Kind() == test_driver.KindNull {
			return nil
		}
	}
	return []string{f.Alias}
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
