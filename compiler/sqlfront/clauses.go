package sqlfront

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/strata-metrics/strata/compiler/expr"
)

// byItem resolves a GROUP BY or ORDER BY term: a position into the select
// list, an alias, or an expression read like a select item.
func (t *translator) byItem(n ast.ExprNode, clause string, at int) (*item, *Error) {
	if p, ok := n.(*ast.PositionExpr); ok {
		if p.P != nil {
			return nil, errAt(t.sql, at, CodeNotSupported, "%s takes positions, names and aliases", clause)
		}
		if p.N < 1 || p.N > len(t.items) {
			return nil, errAt(t.sql, at, CodeNotSupported, "%s %d: the select list has %d items", clause, p.N, len(t.items))
		}
		return t.items[p.N-1], nil
	}
	if c, ok := n.(*ast.ColumnNameExpr); ok && c.Name.Table.O == "" {
		for _, it := range t.items {
			if it.alias != "" && strings.EqualFold(it.alias, c.Name.Name.O) {
				return it, nil
			}
		}
	}
	return t.resolve(n)
}

// groupBy checks that GROUP BY names exactly the selected dimensions. Without
// GROUP BY the query groups by them anyway: a metric query always does.
func (t *translator) groupBy() *Error {
	g := t.sel.GroupBy
	if g == nil {
		return nil
	}
	at := keywordAt(t.sql, 0, "group")
	if g.Rollup {
		return errAt(t.sql, at, CodeNotSupported, "GROUP BY … WITH ROLLUP is not supported; send one query per grouping")
	}
	grouped := map[string]bool{}
	for _, by := range g.Items {
		it, err := t.byItem(by.Expr, "GROUP BY", termOff(by.Expr, at))
		if err != nil {
			return err
		}
		if it.metric {
			return errAt(t.sql, termOff(by.Expr, at), CodeGroupBy, "GROUP BY %s: %s is a metric; group by fields only", it.name, it.source)
		}
		found := false
		for _, sel := range t.items {
			found = found || (!sel.metric && sel.source == it.source)
		}
		if !found {
			return errAt(t.sql, termOff(by.Expr, at), CodeGroupBy, "GROUP BY %s: %s is not selected; a metric query returns one row per combination of its selected fields, so select it or drop it from GROUP BY", it.source, it.source)
		}
		grouped[it.source] = true
	}
	for _, sel := range t.items {
		if !sel.metric && !grouped[sel.source] {
			return errAt(t.sql, sel.off, CodeGroupBy, "%s is selected but not in GROUP BY; group by every selected field, or leave GROUP BY out", sel.source)
		}
	}
	return nil
}

// termOff is a GROUP BY or ORDER BY term's offset; positions carry none, so
// the clause's keyword stands in.
func termOff(n ast.ExprNode, clause int) int {
	if o := n.OriginTextPosition(); o > 0 {
		return o
	}
	return clause
}

// orderBy reads ORDER BY into the query's order terms.
func (t *translator) orderBy() *Error {
	o := t.sel.OrderBy
	if o == nil {
		return nil
	}
	at := keywordAt(t.sql, 0, "order")
	for _, by := range o.Items {
		off := termOff(by.Expr, at)
		it, err := t.byItem(by.Expr, "ORDER BY", off)
		if err != nil {
			return err
		}
		selected := false
		for _, sel := range t.items {
			selected = selected || sel.source == it.source
		}
		if !selected {
			return errAt(t.sql, off, CodeBadOrder, "ORDER BY %s: it is not selected; order by a selected field or metric, its alias or its position", it.source)
		}
		term := it.source
		if by.Desc {
			term = "-" + term
		}
		t.st.Query.Order = append(t.st.Query.Order, term)
		t.st.orderPos = append(t.st.orderPos, off)
	}
	return nil
}

// where checks the filter's names and hands it over as the query's where.
func (t *translator) where() *Error {
	if t.sel.Where == nil {
		return nil
	}
	t.st.wherePos = max(t.sel.Where.OriginTextPosition(), 0)
	r := &rewriter{t: t, clause: "WHERE"}
	n, _ := t.sel.Where.Accept(r)
	if r.err != nil {
		return r.err
	}
	text, err := t.restore(n.(ast.ExprNode), t.st.wherePos)
	if err != nil {
		return err
	}
	t.st.Query.Where = text
	return nil
}

// having rewrites aliases and aggregates of metrics to metric names and hands
// the filter over as the query's having.
func (t *translator) having() *Error {
	if t.sel.Having == nil {
		return nil
	}
	t.st.havingPos = max(t.sel.Having.Expr.OriginTextPosition(), 0)
	r := &rewriter{t: t, clause: "HAVING"}
	n, _ := t.sel.Having.Expr.Accept(r)
	if r.err != nil {
		return r.err
	}
	text, err := t.restore(n.(ast.ExprNode), t.st.havingPos)
	if err != nil {
		return err
	}
	t.st.Query.Having = text
	return nil
}

// restore renders a checked filter back to text for the query; the plan
// builder parses it again like any query's filter.
func (t *translator) restore(n ast.ExprNode, at int) (string, *Error) {
	if errs := expr.Check(n, "a filter"); len(errs) > 0 {
		return "", errAt(t.sql, exprOff(errs[0].Offset, at), errs[0].Code, "%s", errs[0].Msg)
	}
	var b strings.Builder
	ctx := format.NewRestoreCtx(format.RestoreStringSingleQuotes|format.RestoreStringWithoutCharset|format.RestoreKeyWordUppercase|format.RestoreNameBackQuotes|format.RestoreSpacesAroundBinaryOperation, &b)
	if err := n.Restore(ctx); err != nil {
		return "", errAt(t.sql, at, CodeNotSupported, "this filter cannot be expressed as a metric query's filter")
	}
	return b.String(), nil
}

// exprOff turns an offset expr reports (relative to its own parse, which is
// never negative for nodes of this statement) back into the statement.
func exprOff(off, at int) int {
	if off <= 0 {
		return at
	}
	return off + expr.PrefixLen
}

// rewriter walks WHERE or HAVING: it resolves every name, turns
// DATE_TRUNC of a time field into the grain field (DATE() stays the
// expression function it is), and in HAVING turns
// aliases, MEASURE(m) and a metric's own aggregate into the metric's name.
type rewriter struct {
	t      *translator
	clause string
	err    *Error
}

func (r *rewriter) Enter(n ast.Node) (ast.Node, bool) {
	if r.err != nil {
		return n, true
	}
	switch x := n.(type) {
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		r.err = errAt(r.t.sql, max(n.OriginTextPosition(), 0), CodeNotSupported, "subqueries are not supported in %s: %s", r.clause, msgOneTableHint)
		return n, true
	case *ast.WindowFuncExpr:
		r.err = errAt(r.t.sql, max(n.OriginTextPosition(), 0), CodeNotSupported, "window functions are not supported: metrics are computed by the model")
		return n, true
	case *ast.PatternInExpr:
		if x.Sel != nil {
			r.err = errAt(r.t.sql, max(x.Sel.OriginTextPosition(), 0), CodeNotSupported, "subqueries are not supported in %s: list the values", r.clause)
			return n, true
		}
	case *ast.AggregateFuncExpr, *ast.ColumnNameExpr:
		return n, true // handled in Leave, children included
	case *ast.FuncCallExpr:
		switch expr.FuncName(x) {
		case "measure":
			return n, true
		case "date_trunc":
			return n, true
		}
	}
	return n, false
}

func (r *rewriter) Leave(n ast.Node) (ast.Node, bool) {
	if r.err != nil {
		return n, false
	}
	off := max(n.OriginTextPosition(), 0)
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		return r.column(x, off)
	case *ast.AggregateFuncExpr:
		if r.clause == "WHERE" {
			r.err = errAt(r.t.sql, off, CodeBadAggregate, "aggregates cannot filter rows in WHERE; filter metrics in HAVING")
			return n, false
		}
		it, err := r.t.aggregate(x)
		if err != nil {
			r.err = err
			return n, false
		}
		return metricRef(it.source, off), true
	case *ast.FuncCallExpr:
		switch expr.FuncName(x) {
		case "measure":
			it, err := r.t.resolve(x)
			if err != nil {
				r.err = err
				return n, false
			}
			return r.metricUse(it, off)
		case "date_trunc":
			field, err := r.t.grainCall(x)
			if err != nil {
				r.err = err
				return n, false
			}
			return r.fieldUse(field, off)
		}
	}
	return n, true
}

// column resolves a name in a filter: an alias (HAVING), a metric or a field.
func (r *rewriter) column(c *ast.ColumnNameExpr, off int) (ast.Node, bool) {
	if r.clause == "HAVING" && c.Name.Table.O == "" {
		for _, it := range r.t.items {
			if it.alias != "" && strings.EqualFold(it.alias, c.Name.Name.O) {
				if it.metric {
					return metricRef(it.source, off), true
				}
				return r.fieldUse(it.field, off)
			}
		}
	}
	it, err := r.t.column(c)
	if err != nil {
		r.err = err
		return c, false
	}
	if it.metric {
		return r.metricUse(it, off)
	}
	return r.fieldUse(it.field, off)
}

func (r *rewriter) metricUse(it *item, off int) (ast.Node, bool) {
	if r.clause == "WHERE" {
		r.err = errAt(r.t.sql, off, "metric-in-where", "%s is a metric; WHERE filters rows before aggregation, so filter metrics in HAVING", it.source)
		return nil, false
	}
	return metricRef(it.source, off), true
}

func (r *rewriter) fieldUse(field string, off int) (ast.Node, bool) {
	if r.clause == "HAVING" {
		r.err = errAt(r.t.sql, off, "non-metric-in-having", "%s is a field; HAVING filters metrics, so filter fields in WHERE", field)
		return nil, false
	}
	return fieldRef(field, off), true
}

// metricRef is a reference to a metric by its bare name, as having expects.
func metricRef(name string, off int) *ast.ColumnNameExpr {
	c := &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(name)}}
	c.SetOriginTextPosition(off)
	return c
}

// fieldRef is a reference to a qualified field (alias.column, with an optional
// grain) split into the parts a column name has.
func fieldRef(field string, off int) *ast.ColumnNameExpr {
	parts := strings.Split(field, ".")
	cn := &ast.ColumnName{Name: ast.NewCIStr(parts[len(parts)-1])}
	if len(parts) >= 2 {
		cn.Table = ast.NewCIStr(parts[len(parts)-2])
	}
	if len(parts) >= 3 {
		cn.Schema = ast.NewCIStr(strings.Join(parts[:len(parts)-2], "."))
	}
	c := &ast.ColumnNameExpr{Name: cn}
	c.SetOriginTextPosition(off)
	return c
}

// bindParams replaces the statement's ? placeholders with the bound values, in
// the syntax tree: values never become SQL text by pasting.
func bindParams(sql string, sel *ast.SelectStmt, args []any) *Error {
	b := &binder{args: args}
	sel.Accept(b)
	if b.n != len(args) && b.err == nil {
		return errAt(sql, 0, CodeBadParam, "the statement has %d placeholders but %d values were bound", b.n, len(args))
	}
	if b.err != nil {
		return errAt(sql, b.off, CodeBadParam, "%s", b.err.Error())
	}
	return nil
}

type binder struct {
	args []any
	n    int
	off  int
	err  error
}

func (b *binder) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (b *binder) Leave(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(ast.ParamMarkerExpr); !ok || b.err != nil {
		return n, true
	}
	b.n++
	if b.n > len(b.args) {
		b.off, b.err = max(n.OriginTextPosition(), 0), fmt.Errorf("placeholder %d has no bound value", b.n)
		return n, true
	}
	v := ast.NewValueExpr(b.args[b.n-1], "", "")
	v.SetOriginTextPosition(n.OriginTextPosition())
	return v, true
}
