package sqlfront

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// fields classifies the select list into dimensions and metrics.
func (t *translator) fields() *Error {
	q := t.st.Query
	dims := map[string]bool{}
	metrics := map[string]bool{}
	for _, f := range t.sel.Fields.Fields {
		if f.WildCard != nil {
			return errAt(t.sql, max(f.Offset, keywordAt(t.sql, 0, "select")), CodeNotSupported, "SELECT * is not supported on a wide table: it has every field of every dimension it reaches; %s", msgListFieldsHint)
		}
		it, err := t.resolve(f.Expr)
		if err != nil {
			return err
		}
		it.alias = f.AsName.O
		it.name = it.source
		if it.alias != "" {
			it.name = it.alias
		}
		t.items = append(t.items, it)
		t.st.Columns = append(t.st.Columns, Column{Name: it.name, Source: it.source})
		if it.metric && !metrics[it.source] {
			metrics[it.source] = true
			q.Metrics = append(q.Metrics, it.source)
			t.st.metricPos = append(t.st.metricPos, it.off)
		}
		if !it.metric && !dims[it.source] {
			dims[it.source] = true
			q.Dimensions = append(q.Dimensions, it.field)
			t.st.dimPos = append(t.st.dimPos, it.off)
		}
	}
	if len(q.Metrics) == 0 {
		// Without metrics the statement lists the distinct values of its
		// fields over the wide table, which SQL spells DISTINCT or GROUP BY;
		// a bare select list would mean every fact row, which is not served.
		if !t.sel.Distinct && t.sel.GroupBy == nil {
			return errAt(t.sql, t.items[0].off, CodeNotSupported, "select a metric, or list the values of fields with SELECT DISTINCT or GROUP BY: the wide table's rows are not listed one by one; DESCRIBE %s lists its metrics%s", t.wide.Name(), t.metricHint())
		}
		q.From = t.wide.Name()
	}
	return nil
}

func (t *translator) metricHint() string {
	names := t.metricsOf(t.wide)
	if len(names) == 0 {
		return ""
	}
	if len(names) > 4 {
		names = names[:4]
	}
	return " (" + strings.Join(names, ", ") + ", …)"
}

// metricsOf lists the simple metrics aggregating a fact, sorted.
func (t *translator) metricsOf(w *logical.WideTable) []string {
	var out []string
	for name, m := range t.cat.Metrics {
		if m.Fact == w && t.shown(name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// resolve reads one select, GROUP BY or ORDER BY expression.
func (t *translator) resolve(n ast.ExprNode) (*item, *Error) {
	off := max(n.OriginTextPosition(), 0)
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		return t.column(x)
	case *ast.ParenthesesExpr:
		return t.resolve(x.Expr)
	case *ast.FuncCallExpr:
		switch expr.FuncName(x) {
		case "measure":
			if len(x.Args) != 1 {
				return nil, errAt(t.sql, off, CodeNotSupported, "MEASURE() takes one metric")
			}
			c, ok := x.Args[0].(*ast.ColumnNameExpr)
			if !ok {
				return nil, errAt(t.sql, argOff(x.Args[0], off), CodeNotSupported, "MEASURE() takes a metric's name")
			}
			it, err := t.column(c)
			if err != nil {
				return nil, err
			}
			if !it.metric {
				return nil, errAt(t.sql, it.off, CodeNotSupported, "MEASURE(%s): %s is a field, not a metric; select it on its own", it.source, it.source)
			}
			it.off = off
			return it, nil
		case "date_trunc", "date":
			field, err := t.grainCall(x)
			if err != nil {
				return nil, err
			}
			return t.dimension(field, off, nil)
		}
		return nil, errAt(t.sql, off, CodeNotSupported, "%s() is not supported in the select list: select fields, metrics, MEASURE(metric), DATE_TRUNC('grain', field) or DATE(field); computed fields are defined in the model", strings.ToUpper(expr.FuncName(x)))
	case *ast.AggregateFuncExpr:
		return t.aggregate(x)
	case *ast.WindowFuncExpr:
		return nil, errAt(t.sql, off, CodeNotSupported, "window functions are not supported: metrics are computed by the model (period over period, to date, windows)")
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		return nil, errAt(t.sql, off, CodeNotSupported, "subqueries are not supported: %s", msgOneTableHint)
	case *ast.PositionExpr:
		return nil, errAt(t.sql, off, CodeNotSupported, "a position is not a select item")
	}
	if _, ok := n.(ast.ValueExpr); ok {
		return nil, errAt(t.sql, off, CodeNotSupported, "constants are not supported in the select list: select fields and metrics")
	}
	return nil, errAt(t.sql, off, CodeNotSupported, "expressions are not supported in the select list: select fields, metrics, MEASURE(metric), DATE_TRUNC('grain', field) or DATE(field); computed fields and derived metrics are defined in the model")
}

func argOff(n ast.Node, def int) int {
	if o := n.OriginTextPosition(); o > 0 {
		return o
	}
	return def
}

// columnName is a column reference as written, without a qualifier naming the
// FROM table or its alias when what follows is a field or metric by itself
// (`t.txn_amount`, `transactions.customers.segment`).
func (t *translator) columnName(c *ast.ColumnName) string {
	name := expr.Name(c)
	q := c.Table.O
	if c.Schema.O != "" {
		q = c.Schema.O
	}
	if q == "" || !(q == t.alias || q == t.wide.Name()) {
		return name
	}
	rest := strings.TrimPrefix(name, q+".")
	if t.cat.Metrics[rest] != nil && !strings.Contains(rest, ".") {
		return rest
	}
	if name != rest && strings.Contains(rest, ".") {
		if _, err := plan.ResolveDim(t.cat, name); err != nil {
			return rest
		}
	}
	return name
}

// column reads a column reference: a metric, or a field (with a grain).
func (t *translator) column(c *ast.ColumnNameExpr) (*item, *Error) {
	off := max(c.OriginTextPosition(), 0)
	name := t.columnName(c.Name)
	if m := t.cat.Metrics[name]; m != nil {
		return &item{metric: true, source: m.Name, off: off}, nil
	}
	return t.dimension(name, off, c)
}

// dimension resolves a field (with an optional grain suffix) reached by the
// FROM table.
func (t *translator) dimension(name string, off int, c *ast.ColumnNameExpr) (*item, *Error) {
	d, rerr := plan.ResolveDim(t.cat, name)
	if rerr != nil {
		if rerr.Code == "unknown-field" {
			return nil, t.unknown(name, off)
		}
		return nil, errAt(t.sql, off, rerr.Code, "%s", rerr.Msg)
	}
	if t.wide.Field(d.Field) == nil {
		var reach []string
		for _, w := range t.cat.Reaching(d.Field) {
			reach = append(reach, w.Name())
		}
		return nil, errAt(t.sql, off, CodeUnknownField, "%s is not a field of the %s wide table: %s does not reach %s (the wide tables of %s do)",
			d.Field, t.wide.Name(), t.wide.Name(), d.Field[:strings.IndexByte(d.Field, '.')], strings.Join(reach, ", "))
	}
	return &item{source: d.Name, field: d.Name, off: off}, nil
}

// unknown is the error for a name that is neither a field nor a metric, with
// the nearest field of the wide table or metric as a suggestion.
func (t *translator) unknown(name string, off int) *Error {
	var cands []string
	for _, m := range t.cat.Project.MetricNames() {
		if t.shown(m) {
			cands = append(cands, m)
		}
	}
	for _, f := range t.wide.Fields {
		cands = append(cands, f.Name)
	}
	return errAt(t.sql, off, CodeUnknownField, "unknown column %q: neither a field of the %s wide table nor a metric%s", name, t.wide.Name(), model.DidYouMean(name, cands))
}

// grainCall reads DATE_TRUNC('grain', f) and DATE(f) as the grain field they mean.
func (t *translator) grainCall(x *ast.FuncCallExpr) (string, *Error) {
	off := max(x.OriginTextPosition(), 0)
	var grain string
	var arg ast.ExprNode
	switch expr.FuncName(x) {
	case "date":
		if len(x.Args) != 1 {
			return "", errAt(t.sql, off, CodeNotSupported, "DATE() takes one time field")
		}
		grain, arg = "day", x.Args[0]
	default:
		if len(x.Args) != 2 {
			return "", errAt(t.sql, off, CodeNotSupported, "DATE_TRUNC() takes a grain and a time field: DATE_TRUNC('month', transactions.txn_time)")
		}
		v, ok := x.Args[0].(ast.ValueExpr)
		s, isStr := "", false
		if ok {
			s, isStr = v.GetValue().(string)
		}
		if !isStr || !containsStr(model.Grains, strings.ToLower(s)) {
			return "", errAt(t.sql, argOff(x.Args[0], off), CodeNotSupported, "DATE_TRUNC's first argument is a grain: %s", quoteAll(model.Grains))
		}
		grain, arg = strings.ToLower(s), x.Args[1]
	}
	c, ok := arg.(*ast.ColumnNameExpr)
	if !ok {
		return "", errAt(t.sql, argOff(arg, off), CodeNotSupported, "%s() takes a time field, not an expression", strings.ToUpper(expr.FuncName(x)))
	}
	name := t.columnName(c.Name)
	coff := max(c.OriginTextPosition(), 0)
	if t.cat.Metrics[name] != nil {
		return "", errAt(t.sql, coff, CodeNotSupported, "%s is a metric; %s() takes a time field", name, strings.ToUpper(expr.FuncName(x)))
	}
	d, rerr := plan.ResolveDim(t.cat, name)
	if rerr != nil {
		if rerr.Code == "unknown-field" {
			return "", t.unknown(name, coff)
		}
		return "", errAt(t.sql, coff, rerr.Code, "%s", rerr.Msg)
	}
	if d.Grain != "" {
		return "", errAt(t.sql, coff, CodeNotSupported, "%s already has a grain; pass the time field itself (%s)", d.Name, d.Field)
	}
	f := t.cat.AnyField(d.Field)
	if !f.IsTime() {
		return "", errAt(t.sql, coff, "bad-grain", "%s is %s; %s() takes a date or timestamp field", d.Field, f.Type, strings.ToUpper(expr.FuncName(x)))
	}
	return d.Field + "." + grain, nil
}

func quoteAll(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "'" + s + "'"
	}
	return strings.Join(out, ", ")
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// aggregate accepts an aggregate of a metric when it is the metric's own
// aggregation: SUM(txn_amount) for a sum metric means txn_amount.
func (t *translator) aggregate(x *ast.AggregateFuncExpr) (*item, *Error) {
	off := max(x.OriginTextPosition(), 0)
	fn := strings.ToUpper(x.F)
	if len(x.Args) != 1 {
		return nil, errAt(t.sql, off, CodeBadAggregate, "%s() of several arguments is not supported; %s", fn, msgAggregateByName)
	}
	c, ok := x.Args[0].(*ast.ColumnNameExpr)
	if !ok {
		if v, isVal := x.Args[0].(ast.ValueExpr); isVal && fn == "COUNT" && v.GetValue() != nil {
			return nil, errAt(t.sql, off, CodeBadAggregate, "COUNT(*) is not a metric; select a count metric by name%s", t.countHint())
		}
		return nil, errAt(t.sql, off, CodeBadAggregate, "%s() of an expression is not supported; %s: select a metric by name", fn, msgAggregateByName)
	}
	name := t.columnName(c.Name)
	m := t.cat.Metrics[name]
	if m == nil {
		if d, err := plan.ResolveDim(t.cat, name); err == nil {
			return nil, errAt(t.sql, off, CodeBadAggregate, "%s(%s) aggregates a field; %s%s", fn, name, msgAggregateByName, t.metricOver(d.Field, x.F, x.Distinct))
		}
		return nil, t.unknown(name, max(c.OriginTextPosition(), 0))
	}
	own := strings.ToUpper(m.Agg)
	if m.Agg == model.AggCountDistinct {
		own = "COUNT(DISTINCT)"
	}
	got := fn
	if x.Distinct {
		got = fn + "(DISTINCT)"
	}
	switch {
	case m.Kind != model.MetricSimple:
		return nil, errAt(t.sql, off, CodeBadAggregate, "%s(%s): %s is a derived metric and is aggregated by its definition; select it as %s or MEASURE(%s)", fn, m.Name, m.Name, m.Name, m.Name)
	case got != own:
		return nil, errAt(t.sql, off, CodeBadAggregate, "%s(%s): %s aggregates with %s, and a metric cannot be re-aggregated another way; select it as %s, MEASURE(%s) or %s(%s)",
			got, m.Name, m.Name, own, m.Name, m.Name, strings.TrimSuffix(own, "(DISTINCT)"), ownArg(m))
	}
	return &item{metric: true, source: m.Name, off: off}, nil
}

func ownArg(m *logical.Metric) string {
	if m.Agg == model.AggCountDistinct {
		return "DISTINCT " + m.Name
	}
	return m.Name
}

// countHint names the count metrics of the FROM table.
func (t *translator) countHint() string {
	var out []string
	for _, name := range t.metricsOf(t.wide) {
		if t.cat.Metrics[name].Agg == model.AggCount {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return ": " + strings.Join(out, ", ")
}

// metricOver names the metrics that aggregate the field the same way.
func (t *translator) metricOver(field, agg string, distinct bool) string {
	want := strings.ToLower(agg)
	if distinct && want == "count" {
		want = model.AggCountDistinct
	}
	var out []string
	for name, m := range t.cat.Metrics {
		if m.Kind != model.MetricSimple || m.Agg != want || m.Expr == nil || !t.shown(name) {
			continue
		}
		if c, ok := m.Expr.(*ast.ColumnNameExpr); ok && expr.Name(c.Name) == field {
			if m.Filter != nil {
				name += " (filtered: " + plan.ExprString(m.Filter) + ")"
			}
			out = append(out, name)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "; define a metric for it in the model"
	}
	return fmt.Sprintf("; the metric %s is %s(%s)", strings.Join(out, ", "), strings.ToUpper(agg), field)
}
