package sqlgen

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// Generate renders a plan as one SQL statement.
//
// Shape: each part is a CTE aggregating one fact's wide table (or a rollup) to
// the query's dimensions d0…dn; several parts are stacked with UNION ALL and
// regrouped on the dimensions — a portable drill-across that treats NULL keys
// as equal and needs no FULL JOIN. The outer SELECT computes derived metrics,
// applies having, order, limit and offset.
func Generate(p *plan.Plan, d Dialect) (string, error) {
	w := &writer{p: p, d: d, tz: p.TZ, cols: map[string]string{}}
	if err := w.tails(); err != nil {
		return "", err
	}
	return w.generate()
}

type writer struct {
	p    *plan.Plan
	d    Dialect
	tz   string
	cols map[string]string // metric|shift → measure column
	// tail holds the FROM of each part served by a rollup with a lambda tail.
	tail map[*plan.Part]string
	// factFrom, when set, replaces the fact's source view in a ranged
	// build: only the files whose rows can fall in the ranges.
	factFrom string
}

func (w *writer) q(s string) string { return w.d.QuoteIdent(s) }

func dimCol(i int) string { return fmt.Sprintf("d%d", i) }

func measureCol(pt *plan.Part, m *plan.Measure) string { return pt.ID + "__" + m.Col }

func (w *writer) generate() (string, error) {
	var base, shifted, cumulative []*plan.Part
	for _, pt := range w.p.Parts {
		switch {
		case pt.Cumulative != nil:
			cumulative = append(cumulative, pt)
		case pt.Shift.IsZero():
			base = append(base, pt)
		default:
			shifted = append(shifted, pt)
		}
	}
	reuse := map[*plan.Part]*plan.Part{}
	for _, pt := range shifted {
		if bp := reusable(pt, base); bp != nil {
			reuse[pt] = bp
		}
	}
	shared, err := w.sharedSemi()
	if err != nil {
		return "", err
	}
	var ctes []string
	for _, pt := range w.p.Parts {
		if reuse[pt] != nil || pt.Cumulative != nil {
			continue
		}
		var body string
		var err error
		switch g := shared[pt]; {
		case g != nil:
			if !g.emitted {
				ctes = append(ctes, g.ctes(w)...)
				g.emitted = true
			}
			body = w.semiFromShared(pt, g)
		case pt.Rollup != nil:
			body, err = w.rollupPart(pt)
		case pt.NonAdditive != nil:
			body, err = w.semiAdditivePart(pt)
		default:
			body, err = w.rawPart(pt)
		}
		if err != nil {
			return "", err
		}
		ctes = append(ctes, w.q(pt.ID)+" AS (\n"+indent(body)+"\n)")
	}
	b0 := w.q("b")
	periods := w.q(base[0].ID)
	from := w.q(base[0].ID) + " AS " + b0
	if len(base) > 1 {
		ctes = append(ctes, w.q("j")+" AS (\n"+indent(w.stack(base))+"\n)")
		from = w.q("j") + " AS " + b0
		periods = w.q("j")
	}
	for _, pt := range cumulative {
		body, err := w.cumulativePart(pt, periods)
		if err != nil {
			return "", err
		}
		ctes = append(ctes, w.q(pt.ID)+" AS (\n"+indent(body)+"\n)")
		from += "\nLEFT JOIN " + w.q(pt.ID) + " ON " + w.sameDims(pt)
		for _, m := range pt.Measures {
			w.cols[m.Metric.Name+"|"+plan.Key(pt.Shift, pt.Cumulative)] = w.q(pt.ID) + "." + w.q(measureCol(pt, m))
		}
	}
	for _, pt := range base {
		for _, m := range pt.Measures {
			w.cols[m.Metric.Name+"|"+plan.Key(model.Period{}, nil)] = b0 + "." + w.q(measureCol(pt, m))
		}
	}
	for _, pt := range shifted {
		src := pt
		if bp := reuse[pt]; bp != nil {
			src = bp
		}
		from += "\nLEFT JOIN " + w.q(src.ID)
		if src != pt {
			from += " AS " + w.q(pt.ID)
		}
		from += " ON " + w.shiftedJoin(pt)
		for _, m := range pt.Measures {
			w.cols[m.Metric.Name+"|"+plan.Key(pt.Shift, nil)] = w.q(pt.ID) + "." + w.q(measureCol(src, src.Measure(m.Metric.Name)))
		}
	}
	var sel []string
	for i, dim := range w.p.Dims {
		sel = append(sel, b0+"."+w.q(dimCol(i))+" AS "+w.q(dim.Name))
	}
	for _, m := range w.p.Metrics {
		s, err := w.metric(m, model.Period{}, nil)
		if err != nil {
			return "", err
		}
		sel = append(sel, s+" AS "+w.q(m.Name))
	}
	body := "SELECT " + strings.Join(sel, ", ") + "\nFROM " + from
	if w.p.Having != nil {
		h, err := Expr(w.d, w.p.Having, func(c *ast.ColumnName) (string, error) {
			return w.metric(w.p.Catalog.Metrics[c.Name.O], model.Period{}, nil)
		}, w.tz)
		if err != nil {
			return "", err
		}
		body += "\nWHERE " + h
	}
	var b strings.Builder
	b.WriteString("WITH " + strings.Join(ctes, ",\n") + "\n")
	order := w.order()
	if order != "" && w.d.SortDerived() {
		body = "SELECT * FROM (\n" + indent(body) + "\n) AS " + w.q("o")
	}
	b.WriteString(body)
	if order != "" {
		b.WriteString("\nORDER BY " + order)
	}
	if w.p.Limit > 0 {
		fmt.Fprintf(&b, "\nLIMIT %d", w.p.Limit)
	} else if w.p.Offset > 0 {
		fmt.Fprintf(&b, "\nLIMIT %d", plan.MaxLimit)
	}
	if w.p.Offset > 0 {
		fmt.Fprintf(&b, " OFFSET %d", w.p.Offset)
	}
	return b.String(), nil
}

func (w *writer) order() string {
	var terms []string
	if len(w.p.Order) == 0 {
		for _, dim := range w.p.Dims {
			terms = append(terms, w.d.OrderTerm(w.q(dim.Name), false))
		}
	}
	for _, o := range w.p.Order {
		terms = append(terms, w.d.OrderTerm(w.q(o.Name), o.Desc))
	}
	return strings.Join(terms, ", ")
}

// metric renders a metric over the measure columns, under a period shift
// and a cumulative window.
func (w *writer) metric(m *logical.Metric, shift model.Period, cum *plan.Cumulative) (string, error) {
	switch m.Kind {
	case model.MetricOffset:
		s := m.Offset
		if !shift.IsZero() {
			s.N += shift.N
		}
		return w.metric(m.Base, s, cum)
	case model.MetricCumulative:
		return w.metric(m.Base, shift, &plan.Cumulative{ToDate: m.ToDate, Window: m.Window})
	case model.MetricDerived:
		return Expr(w.d, m.Expr, func(c *ast.ColumnName) (string, error) {
			return w.metric(w.p.Catalog.Metrics[c.Name.O], shift, cum)
		}, w.tz)
	}
	col, ok := w.cols[m.Name+"|"+plan.Key(shift, cum)]
	if !ok {
		return "", fmt.Errorf("internal: no part computes %s in context %q", m.Name, plan.Key(shift, cum))
	}
	return col, nil
}

// reusable finds an unshifted part that already computes what a shifted part
// needs: the same fact, source and rows (a filter that does not read the
// shifted time fields), and every one of its measures. The shifted part then
// reads that part's result a period back instead of scanning again.
func reusable(pt *plan.Part, base []*plan.Part) *plan.Part {
	for _, c := range pt.Where {
		for _, col := range expr.Columns(c) {
			if f, _ := logical.FieldRef(col.Name); pt.TimeFields[f] {
				return nil
			}
		}
	}
next:
	for _, bp := range base {
		if bp.Fact != pt.Fact || bp.Source != pt.Source || bp.NonAdditive != pt.NonAdditive || len(bp.Where) != len(pt.Where) {
			continue
		}
		for i := range bp.Where {
			if bp.Where[i] != pt.Where[i] {
				continue next
			}
		}
		for _, m := range pt.Measures {
			if bp.Measure(m.Metric.Name) == nil {
				continue next
			}
		}
		return bp
	}
	return nil
}

// stack unions the unshifted parts and regroups them on the dimensions.
func (w *writer) stack(parts []*plan.Part) string {
	var all []string
	for _, pt := range parts {
		for _, m := range pt.Measures {
			all = append(all, measureCol(pt, m))
		}
	}
	var branches []string
	for _, pt := range parts {
		var cols []string
		for i := range w.p.Dims {
			cols = append(cols, w.q(dimCol(i)))
		}
		mine := map[string]bool{}
		for _, m := range pt.Measures {
			mine[measureCol(pt, m)] = true
		}
		for _, c := range all {
			if mine[c] {
				cols = append(cols, w.q(c))
			} else {
				cols = append(cols, "NULL AS "+w.q(c))
			}
		}
		branches = append(branches, "SELECT "+strings.Join(cols, ", ")+" FROM "+w.q(pt.ID))
	}
	var sel, group []string
	for i := range w.p.Dims {
		sel = append(sel, w.q(dimCol(i)))
		group = append(group, w.q(dimCol(i)))
	}
	for _, c := range all {
		sel = append(sel, "MAX("+w.q(c)+") AS "+w.q(c))
	}
	s := "SELECT " + strings.Join(sel, ", ") + "\nFROM (\n" + indent(strings.Join(branches, "\nUNION ALL\n")) + "\n) AS " + w.q("u")
	if len(group) > 0 {
		s += "\nGROUP BY " + strings.Join(group, ", ")
	}
	return s
}

// shiftedJoin matches a period-over-period part to the query's periods: the
// part is aggregated on the earlier periods as they are, and period P reads the
// part's period containing P − shift (calendar arithmetic, so the day before
// March 31 by a month is the last day of February). Other dimensions match
// NULL-safely.
func (w *writer) shiftedJoin(pt *plan.Part) string {
	back := pt.Shift
	back.N = -back.N
	var conds []string
	for i, d := range w.p.Dims {
		mine, theirs := w.q(pt.ID)+"."+w.q(dimCol(i)), w.q("b")+"."+w.q(dimCol(i))
		if d.Grain != "" && pt.TimeFields[d.Field] {
			conds = append(conds, mine+" = "+w.d.TimeGrain(w.d.Shift(theirs, back), d.Grain))
			continue
		}
		conds = append(conds, w.d.NullSafeEqual(mine, theirs))
	}
	return strings.Join(conds, " AND ")
}

// field renders a wide-table field as read by a raw part.
func (w *writer) field(pt *plan.Part, name string) (string, error) {
	if pt.Rollup != nil {
		return w.rollupField(pt, name), nil
	}
	f := pt.Fact.Field(name)
	if f == nil {
		return "", fmt.Errorf("internal: field %s is not in %s's wide table", name, pt.Fact.Name())
	}
	var s string
	if f.Computed != nil {
		var err error
		s, err = Expr(w.d, f.Computed, func(c *ast.ColumnName) (string, error) {
			name, grain := logical.ComputedColumn(c)
			if grain != "" {
				return w.d.TimeGrain(w.column(pt, f.Alias, name), grain), nil
			}
			return w.column(pt, f.Alias, name), nil
		}, w.tz)
		if err != nil {
			return "", err
		}
		// A computed field of a joined table is NULL when the fact row has no
		// row there (its join key is NULL), like the table's columns; without
		// the guard, CASE … ELSE would give orphan rows a made-up value.
		if in := pt.Fact.Instance(f.Alias); in != nil && len(in.Path) > 0 {
			key := w.q(f.Alias) + "." + w.q(in.Path[len(in.Path)-1].ToColumn)
			s = fmt.Sprintf("(CASE WHEN %s IS NULL THEN NULL ELSE %s END)", key, s)
		}
	} else {
		s = w.column(pt, f.Alias, f.Column)
	}
	return s, nil
}

// column renders a physical column; timestamps are read as wall time in the
// project's time zone.
func (w *writer) column(pt *plan.Part, alias, col string) string {
	in := pt.Fact.Instance(alias)
	s := w.q(alias) + "." + w.q(col)
	c := in.Table.Column(col)
	if c != nil && c.Type.Family() == model.FamTime {
		from := in.Table.Timezone
		if c.Type.Base == "timestamptz" {
			from = "" // an instant: the table's wall-time zone does not apply
		} else if from == "" {
			from = "UTC"
		}
		s = w.d.LocalTime(s, from, w.tz)
	}
	return s
}

func (w *writer) dim(pt *plan.Part, d *plan.Dim) (string, error) {
	if rs := pt.Rollup; rs != nil && d.Field == rs.TimeField && (d.Grain == "" || d.Grain == rs.Grain) {
		return w.rollupTimeColumn(rs), nil
	}
	s, err := w.field(pt, d.Field)
	if err != nil || d.Grain == "" {
		return s, err
	}
	return w.d.TimeGrain(s, d.Grain), nil
}

// fieldRef renders a qualified column reference, read at its grain when it
// names one (transactions.txn_time.month). shifted says that the reference is
// in the query's filter, which a period-over-period part reads with its time
// fields moved forward by the shift: the rows of the earlier periods.
func (w *writer) fieldRef(pt *plan.Part, col *ast.ColumnName, shifted bool) (string, error) {
	name, grain := logical.FieldRef(col)
	if !shifted || pt.Shift.IsZero() || !pt.TimeFields[name] {
		if grain != "" {
			return w.dim(pt, &plan.Dim{Field: name, Grain: grain})
		}
		return w.field(pt, name)
	}
	f, err := w.field(pt, name)
	if err != nil {
		return "", err
	}
	f = w.d.Shift(f, pt.Shift)
	if grain != "" {
		f = w.d.TimeGrain(f, grain)
	}
	return f, nil
}

func (w *writer) exprIn(pt *plan.Part, n ast.ExprNode) (string, error) {
	return Expr(w.d, n, func(c *ast.ColumnName) (string, error) {
		return w.fieldRef(pt, c, false)
	}, w.tz)
}

func (w *writer) where(pt *plan.Part, extra ...string) (string, error) {
	var terms []string
	for _, c := range pt.Where {
		// A period-over-period part reads the query's filter with its time
		// fields moved forward by the shift: the rows of the earlier periods.
		s, err := Expr(w.d, c, func(col *ast.ColumnName) (string, error) {
			return w.fieldRef(pt, col, true)
		}, w.tz)
		if err != nil {
			return "", err
		}
		terms = append(terms, s)
	}
	for _, s := range pt.Semi {
		f, err := w.field(pt, s.Field)
		if err != nil {
			return "", err
		}
		if s.Dict == "" {
			terms = append(terms, fmt.Sprintf("%s IN (SELECT %s FROM %s)", f, w.q("id"), Table(w.d, s.Table)))
			continue
		}
		// A text key: the ids become keys through the entity's dictionary.
		ids, dict := w.q("audience_ids"), w.q(keyDictAlias)
		terms = append(terms, fmt.Sprintf("%s IN (SELECT %s.%s FROM %s AS %s JOIN %s AS %s ON %s.%s = %s.%s)", f,
			dict, w.q("entity_key"), Table(w.d, s.Table), ids, Table(w.d, s.Dict), dict, dict, w.q("id"), ids, w.q("id")))
	}
	terms = append(terms, extra...)
	if len(terms) == 0 {
		return "", nil
	}
	return "\nWHERE " + strings.Join(terms, "\n  AND "), nil
}

// aggregate renders a simple metric's aggregate over the raw rows.
func (w *writer) aggregate(pt *plan.Part, m *logical.Metric) (string, error) {
	arg := "1"
	if m.Expr != nil {
		var err error
		if arg, err = w.exprIn(pt, m.Expr); err != nil {
			return "", err
		}
	}
	if m.Filter != nil {
		f, err := w.exprIn(pt, m.Filter)
		if err != nil {
			return "", err
		}
		arg = fmt.Sprintf("CASE WHEN %s THEN %s END", f, arg)
	} else if m.Expr == nil && m.Agg == model.AggCount {
		return "COUNT(*)", nil
	}
	return w.agg(m.Agg, arg), nil
}

func (w *writer) agg(agg, arg string) string {
	switch agg {
	case model.AggCountDistinct:
		return w.d.CountDistinct(arg)
	case model.AggApproxCountDistinct:
		return w.d.ApproxCountDistinct(arg)
	}
	return strings.ToUpper(agg) + "(" + arg + ")"
}

func (w *writer) groupBy() string {
	if len(w.p.Dims) == 0 {
		return ""
	}
	var g []string
	for i := range w.p.Dims {
		g = append(g, fmt.Sprint(i+1))
	}
	return "\nGROUP BY " + strings.Join(g, ", ")
}

func (w *writer) rawPart(pt *plan.Part) (string, error) {
	var sel []string
	for i, d := range w.p.Dims {
		s, err := w.dim(pt, d)
		if err != nil {
			return "", err
		}
		sel = append(sel, s+" AS "+w.q(dimCol(i)))
	}
	for _, m := range pt.Measures {
		s, err := w.aggregate(pt, m.Metric)
		if err != nil {
			return "", err
		}
		sel = append(sel, s+" AS "+w.q(measureCol(pt, m)))
	}
	where, err := w.where(pt)
	if err != nil {
		return "", err
	}
	return "SELECT " + strings.Join(sel, ", ") + "\n" + w.from(pt) + where + w.groupBy(), nil
}

// semiAdditivePart keeps, per period, only the rows at the period's last (or
// first) snapshot time — per entity when the metric says `per` — then
// aggregates them. The period is given by the query's dimensions on the
// metric's time field; without one, the whole filtered range is one period.
func (w *writer) semiAdditivePart(pt *plan.Part) (string, error) {
	m := pt.NonAdditive
	t, err := w.field(pt, m.NonAdditive.Time)
	if err != nil {
		return "", err
	}
	v := "1"
	if m.Expr != nil {
		if v, err = w.exprIn(pt, m.Expr); err != nil {
			return "", err
		}
	}
	var extra []string
	if m.Filter != nil {
		f, err := w.exprIn(pt, m.Filter)
		if err != nil {
			return "", err
		}
		extra = append(extra, f)
	}
	return w.semiAdditive(pt, []string{v + " AS " + w.q("v")}, t, extra, w.agg(m.Agg, w.q("v")))
}

// semiAdditive writes the shape both sources share: aggregate the period
// edges, then join. The edges are the last (or first) snapshot time of each
// period — per entity with `per` — over the rows the filters keep; the rows
// at an edge are selected by joining on the time (and the `per` fields, NULL
// matching NULL), then aggregated by agg over values. A period is a function
// of the snapshot time, so joining on the time alone matches each row to its
// own period's edge; the join reads a handful of edges where a window over
// every row would sort them.
func (w *writer) semiAdditive(pt *plan.Part, values []string, t string, extra []string, agg string) (string, error) {
	na := pt.NonAdditive.NonAdditive
	var inner, outer, group, edgeSel, on []string
	for i, d := range w.p.Dims {
		s, err := w.dim(pt, d)
		if err != nil {
			return "", err
		}
		inner = append(inner, s+" AS "+w.q(dimCol(i)))
		outer = append(outer, w.q(dimCol(i)))
		if d.Field == na.Time {
			group = append(group, s)
		}
	}
	e := w.q("e")
	for i, f := range na.Per {
		s, err := w.field(pt, f)
		if err != nil {
			return "", err
		}
		group = append(group, s)
		col := w.q(fmt.Sprintf("k%d", i))
		edgeSel = append(edgeSel, s+" AS "+col)
		on = append(on, w.d.NullSafeEqual(s, e+"."+col))
	}
	edge := "MAX"
	if na.Take == "first" {
		edge = "MIN"
	}
	where, err := w.where(pt, extra...)
	if err != nil {
		return "", err
	}
	edgeSel = append(edgeSel, fmt.Sprintf("%s(%s) AS %s", edge, t, w.q("t_edge")))
	edges := "SELECT " + strings.Join(edgeSel, ", ") + "\n" + w.fromJoins(pt, edgeJoins(pt)) + where
	if len(group) > 0 {
		edges += "\nGROUP BY " + strings.Join(group, ", ")
	}
	on = append([]string{t + " = " + e + "." + w.q("t_edge")}, on...)
	inner = append(inner, values...)
	sub := "SELECT " + strings.Join(inner, ", ") + "\n" + w.from(pt) +
		"\nJOIN (\n" + indent(edges) + "\n) AS " + e + " ON " + strings.Join(on, " AND ") + where
	outer = append(outer, agg+" AS "+w.q(measureCol(pt, pt.Measures[0])))
	return "SELECT " + strings.Join(outer, ", ") + "\nFROM (\n" + indent(sub) + "\n) AS " + w.q("s") + w.groupBy(), nil
}

// edgeJoins are the joins the edges of a semi-additive part read: those the
// filters, the snapshot time and the `per` fields reach, not the ones only
// the part's other dimensions need.
func edgeJoins(pt *plan.Part) []logical.Join {
	w := pt.Fact
	needed := map[string]bool{w.Fact.Name: true}
	use := func(q string) {
		if f := w.Field(q); f != nil {
			needed[f.Alias] = true
		}
	}
	m := pt.NonAdditive
	use(m.NonAdditive.Time)
	for _, f := range m.NonAdditive.Per {
		use(f)
	}
	terms := append([]ast.ExprNode(nil), pt.Where...)
	if m.Filter != nil {
		terms = append(terms, m.Filter)
	}
	for _, c := range terms {
		for _, col := range expr.Columns(c) {
			q, _ := logical.FieldRef(col.Name)
			use(q)
		}
	}
	return plan.JoinsFor(w, needed)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
