package plan

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func didYouMean(s string, cands []string) string { return model.DidYouMean(s, cands) }

// Build resolves a query against the catalog and plans it.
//
// Algorithm:
//  1. Resolve metrics and dimensions (bare unique names allowed; time grains as
//     a suffix); check limit and offset.
//  2. Parse where and having with the TiDB parser; qualify field references.
//  3. Walk each metric down to its simple measures, noting the period-over-
//     period shift in effect; group measures into parts keyed by fact, shift
//     and (for semi-additive metrics) the metric itself.
//  4. Check that every dimension and filter field is reachable from every
//     part's fact; attach filters and the joins each part needs.
//  5. Resolve the order terms against the output columns.
func Build(cat *logical.Catalog, q *Query) (*Plan, *Error) {
	b := &builder{cat: cat, q: q, p: &Plan{Query: q, Catalog: cat, TZ: cat.Project.Timezone, Freshness: cat.Project.Freshness, Limit: q.Limit, Offset: q.Offset}}
	steps := []func() *Error{b.limits, b.metrics, b.dims, b.where, b.having, b.scope, b.parts, b.order, b.freshness}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return b.p, nil
}

type builder struct {
	cat *logical.Catalog
	q   *Query
	p   *Plan
	// metricField remembers where each metric was named, for error positions.
	metricField map[string]string
	partByKey   map[string]*Part
	// partField is the query field whose metric first needed each part.
	partField map[*Part]string
}

func (b *builder) limits() *Error {
	if b.q.Limit < 0 || b.q.Limit > MaxLimit {
		return &Error{Field: "limit", Code: "bad-limit", Msg: fmt.Sprintf("limit must be between 0 and %d, not %d; page with offset, or export", MaxLimit, b.q.Limit)}
	}
	if b.q.Offset < 0 || b.q.Offset > MaxLimit {
		return &Error{Field: "offset", Code: "bad-limit", Msg: fmt.Sprintf("offset must be between 0 and %d, not %d", MaxLimit, b.q.Offset)}
	}
	return nil
}

func (b *builder) freshness() *Error {
	if b.q.Freshness == "" {
		return nil
	}
	d, err := model.ParseDuration(b.q.Freshness)
	if err != nil {
		return &Error{Field: "freshness", Code: "bad-value", Msg: err.Error()}
	}
	b.p.Freshness = d
	return nil
}

func (b *builder) metrics() *Error {
	if len(b.q.Metrics) == 0 {
		if len(b.q.Dimensions) == 0 {
			return &Error{Field: "metrics", Code: "no-metrics", Msg: "a query needs at least one metric, or dimensions to list the values of; `strata describe` lists them"}
		}
		if strings.TrimSpace(b.q.Having) != "" {
			return &Error{Field: "having", Code: "no-metrics", Msg: "having filters on metrics, and the query has none; filter fields in where"}
		}
		return nil
	}
	if b.q.From != "" {
		return &Error{Field: "from", Code: "bad-from", Msg: "from names the wide table of a query without metrics; a metric query reads each metric's own fact, so leave from out"}
	}
	b.metricField = map[string]string{}
	for i, name := range b.q.Metrics {
		field := fmt.Sprintf("metrics[%d]", i)
		m := b.cat.Metrics[strings.TrimSpace(name)]
		if m == nil {
			cands := b.cat.Project.MetricNames()
			if sc := b.q.Scope; sc != nil && sc.Metrics != nil {
				cands = sc.Metrics // a key is pointed only at what it may read
			}
			msg := fmt.Sprintf("unknown metric %q%s", name, model.DidYouMean(name, cands))
			if _, err := b.cat.Resolve(name); err == nil {
				msg = fmt.Sprintf("%q is a field, not a metric; put it in dimensions", name)
			}
			return &Error{Field: field, Code: "unknown-metric", Msg: msg}
		}
		if _, dup := b.metricField[m.Name]; dup {
			return &Error{Field: field, Code: "duplicate", Msg: fmt.Sprintf("metric %q is listed twice", m.Name)}
		}
		b.metricField[m.Name] = field
		b.p.Metrics = append(b.p.Metrics, m)
	}
	return nil
}

// ResolveDim reads a dimension as written: a field, optionally followed by a grain.
func ResolveDim(cat *logical.Catalog, name string) (*Dim, *logical.ResolveError) {
	q, grain, err := cat.ResolveGrain(name)
	if err != nil {
		return nil, err
	}
	f := cat.AnyField(q)
	d := &Dim{Name: q, Field: q, Type: f.Type}
	if grain != "" {
		d.Name, d.Grain, d.Type = q+"."+grain, grain, logical.GrainType(f.Type, grain)
	}
	return d, nil
}

func isGrain(s string) bool { return slices.Contains(model.Grains, s) }

func (b *builder) dims() *Error {
	seen := map[string]bool{}
	for i, name := range b.q.Dimensions {
		field := fmt.Sprintf("dimensions[%d]", i)
		d, err := ResolveDim(b.cat, name)
		if err != nil {
			msg := err.Msg
			if b.cat.Metrics[name] != nil {
				msg = fmt.Sprintf("%q is a metric, not a field; put it in metrics", name)
			}
			return &Error{Field: field, Code: err.Code, Msg: msg}
		}
		if seen[d.Name] {
			return &Error{Field: field, Code: "duplicate", Msg: fmt.Sprintf("dimension %q is listed twice", d.Name)}
		}
		seen[d.Name] = true
		b.p.Dims = append(b.p.Dims, d)
	}
	return nil
}

// parseFilter parses and checks a query expression.
func parseFilter(text, field, what string) (ast.ExprNode, *Error) {
	n, perr := expr.Parse(text)
	if perr != nil {
		return nil, &Error{Field: field, Offset: perr.Offset, Code: perr.Code, Msg: perr.Msg}
	}
	if errs := expr.Check(n, what); len(errs) > 0 {
		return nil, &Error{Field: field, Offset: errs[0].Offset, Code: errs[0].Code, Msg: errs[0].Msg}
	}
	return n, nil
}

func (b *builder) where() *Error {
	if strings.TrimSpace(b.q.Where) == "" {
		return nil
	}
	n, err := parseFilter(b.q.Where, "where", "a where filter")
	if err != nil {
		return err
	}
	for _, col := range expr.Columns(n) {
		name := expr.Name(col.Name)
		off := expr.NodeOffset(col)
		if col.Name.Table.O == "" && b.cat.Metrics[name] != nil {
			return &Error{Field: "where", Offset: off, Code: "metric-in-where", Msg: fmt.Sprintf("%q is a metric; filter metrics in having", name)}
		}
		// A field, or a time field at a grain (transactions.txn_time.month).
		d, rerr := ResolveDim(b.cat, name)
		if rerr != nil {
			return &Error{Field: "where", Offset: off, Code: rerr.Code, Msg: rerr.Msg}
		}
		logical.SetQualifiedGrain(col.Name, d.Field, d.Grain)
	}
	if errs := expr.TypeCheck(n, "a where filter", b.fieldType, true); len(errs) > 0 {
		return &Error{Field: "where", Offset: errs[0].Offset, Code: errs[0].Code, Msg: errs[0].Msg}
	}
	terms, terr := b.timeRanges(Conjuncts(n))
	if terr != nil {
		return terr
	}
	b.p.Where = terms
	return nil
}

// fieldType types a qualified reference for the type checker: a grain reads
// as a date (a timestamp at hour grain), labelled by its period's start.
func (b *builder) fieldType(col *ast.ColumnName) (model.Type, bool) {
	name, grain := logical.FieldRef(col)
	f := b.cat.AnyField(name)
	if f == nil {
		return model.Type{}, false
	}
	switch {
	case grain == "hour":
		return model.Type{Base: "timestamp"}, true
	case grain != "":
		return model.Type{Base: "date"}, true
	}
	return f.Type, true
}

// Conjuncts splits an expression on its top-level ANDs.
func Conjuncts(n ast.ExprNode) []ast.ExprNode {
	switch x := n.(type) {
	case *ast.BinaryOperationExpr:
		if x.Op == opcode.LogicAnd {
			return append(Conjuncts(x.L), Conjuncts(x.R)...)
		}
	case *ast.ParenthesesExpr:
		if inner := Conjuncts(x.Expr); len(inner) > 1 {
			return inner
		}
	}
	return []ast.ExprNode{n}
}

func (b *builder) having() *Error {
	if strings.TrimSpace(b.q.Having) == "" {
		return nil
	}
	n, err := parseFilter(b.q.Having, "having", "a having filter")
	if err != nil {
		return err
	}
	for _, col := range expr.Columns(n) {
		name := expr.Name(col.Name)
		off := expr.NodeOffset(col)
		if col.Name.Table.O == "" && b.cat.Metrics[name] != nil {
			continue
		}
		msg := fmt.Sprintf("having filters on metrics, and %q is not one%s", name, model.DidYouMean(name, b.cat.Project.MetricNames()))
		if _, rerr := b.cat.Resolve(name); rerr == nil {
			msg = fmt.Sprintf("%q is a field; filter fields in where, or group by it", name)
		}
		return &Error{Field: "having", Offset: off, Code: "non-metric-in-having", Msg: msg}
	}
	metricType := func(col *ast.ColumnName) (model.Type, bool) {
		m := b.cat.Metrics[col.Name.O]
		if m == nil || m.Type.Base == "" {
			return model.Type{}, false
		}
		return m.Type, true
	}
	if errs := expr.TypeCheck(n, "a having filter", metricType, true); len(errs) > 0 {
		return &Error{Field: "having", Offset: errs[0].Offset, Code: errs[0].Code, Msg: errs[0].Msg}
	}
	b.p.Having = n
	return nil
}

// HavingMetrics lists the metrics the having filter names.
func (p *Plan) HavingMetrics() []string {
	if p.Having == nil {
		return nil
	}
	var out []string
	for _, c := range expr.Columns(p.Having) {
		out = append(out, c.Name.Name.O)
	}
	return out
}

// parts assigns every measure the query needs to a part.
func (b *builder) parts() *Error {
	b.partByKey = map[string]*Part{}
	b.partField = map[*Part]string{}
	for _, m := range b.p.Metrics {
		if err := b.walk(m, model.Period{}, nil, b.metricField[m.Name], 0); err != nil {
			return err
		}
	}
	for _, name := range b.p.HavingMetrics() {
		if err := b.walk(b.cat.Metrics[name], model.Period{}, nil, "having", 0); err != nil {
			return err
		}
	}
	if len(b.p.Metrics) == 0 {
		if err := b.valuesPart(); err != nil {
			return err
		}
	}
	b.driverParts()
	for _, pt := range b.p.Parts {
		if err := b.finishPart(pt); err != nil {
			return err
		}
	}
	return nil
}

// driverParts adds, when every part is shifted or cumulative, an unshifted
// part for each of their facts: the result keeps only the periods those parts
// have, so the query reports its own periods and earlier data never creates
// later periods that have no data.
func (b *builder) driverParts() {
	for _, pt := range b.p.Parts {
		if pt.Shift.IsZero() && pt.Cumulative == nil {
			return
		}
	}
	for _, pt := range append([]*Part(nil), b.p.Parts...) {
		key := pt.Fact.Name() + "|" + Key(model.Period{}, nil)
		if b.partByKey[key] != nil {
			continue
		}
		// The driver computes the shifted measures too: when the filter does
		// not read time, the SQL writer lets the shifted part read the
		// driver's result a period back instead of scanning twice.
		d := &Part{ID: fmt.Sprintf("p%d", len(b.p.Parts)), Fact: pt.Fact, Source: "raw"}
		for _, m := range pt.Measures {
			if pt.Cumulative == nil {
				d.Measures = append(d.Measures, &Measure{Metric: m.Metric, Col: m.Col})
			}
		}
		b.partByKey[key] = d
		b.p.Parts = append(b.p.Parts, d)
	}
}

func (b *builder) walk(m *logical.Metric, shift model.Period, cum *Cumulative, field string, depth int) *Error {
	if depth > 32 {
		return &Error{Field: field, Code: "metric-cycle", Msg: "metric references nest too deeply"}
	}
	switch m.Kind {
	case model.MetricDerived:
		for _, r := range m.Refs {
			if err := b.walk(b.cat.Metrics[r], shift, cum, field, depth+1); err != nil {
				return err
			}
		}
		return nil
	case model.MetricOffset:
		if cum != nil {
			return &Error{Field: field, Code: "nested-window", Msg: fmt.Sprintf("%s shifts a metric inside a cumulative one; shifts and windows cannot be nested", m.Name)}
		}
		if !shift.IsZero() {
			if shift.Unit != m.Offset.Unit {
				return &Error{Field: field, Code: "nested-offset", Msg: fmt.Sprintf("%s shifts a metric that is already shifted by %s; offsets of different units cannot be combined", m.Name, shift)}
			}
			m2 := m.Offset
			m2.N += shift.N
			return b.walk(m.Base, m2, cum, field, depth+1)
		}
		return b.walk(m.Base, m.Offset, cum, field, depth+1)
	case model.MetricCumulative:
		if cum != nil || !shift.IsZero() {
			return &Error{Field: field, Code: "nested-window", Msg: fmt.Sprintf("%s is cumulative inside a shifted or cumulative metric; shifts and windows cannot be nested", m.Name)}
		}
		return b.walk(m.Base, shift, &Cumulative{ToDate: m.ToDate, Window: m.Window}, field, depth+1)
	}
	key := m.Fact.Name() + "|" + Key(shift, cum)
	if m.NonAdditive != nil {
		key += "|" + m.Name
	}
	pt := b.partByKey[key]
	if pt == nil {
		pt = &Part{ID: fmt.Sprintf("p%d", len(b.p.Parts)), Fact: m.Fact, Shift: shift, Cumulative: cum, Source: "raw"}
		if m.NonAdditive != nil {
			pt.NonAdditive = m
		}
		b.partByKey[key] = pt
		b.partField[pt] = field
		b.p.Parts = append(b.p.Parts, pt)
	}
	if pt.Measure(m.Name) == nil {
		pt.Measures = append(pt.Measures, &Measure{Metric: m, Col: m.Name})
	}
	return nil
}

func (b *builder) finishPart(pt *Part) *Error {
	w := pt.Fact
	needed := map[string]bool{w.Fact.Name: true}
	useField := func(q string) { needed[w.Field(q).Alias] = true }
	for i, d := range b.p.Dims {
		if w.Field(d.Field) == nil {
			return &Error{Field: fmt.Sprintf("dimensions[%d]", i), Code: "unreachable-field",
				Msg: fmt.Sprintf("field %q cannot be reached from fact %q, %s", d.Field, w.Name(), b.needs(pt))}
		}
		useField(d.Field)
	}
	pt.TimeFields = map[string]bool{}
	if !pt.Shift.IsZero() {
		for _, d := range b.p.Dims {
			if d.Grain != "" {
				pt.TimeFields[d.Field] = true
			}
		}
		if len(pt.TimeFields) == 0 {
			return &Error{Field: b.partField[pt], Code: "offset-needs-time",
				Msg: fmt.Sprintf("period-over-period metrics compare periods: add a time dimension with a grain, e.g. %s.%s.month", w.Name(), w.Fact.Time.Value)}
		}
	}
	if pt.Cumulative != nil {
		if err := b.cumulativeTime(pt); err != nil {
			return err
		}
	}
	clamps := b.shiftClamps(pt) || pt.Cumulative != nil
	for _, c := range b.p.Where {
		onlyTime := true
		for _, col := range expr.Columns(c) {
			q, _ := logical.FieldRef(col.Name)
			if w.Field(q) == nil {
				if b.p.IsScope(c) {
					return b.scopeUnreachable(q, w.Name(), pt)
				}
				return &Error{Field: "where", Offset: expr.NodeOffset(col), Code: "unreachable-field",
					Msg: fmt.Sprintf("field %q cannot be reached from fact %q, %s", q, w.Name(), b.needs(pt))}
			}
			onlyTime = onlyTime && pt.TimeFields[q]
		}
		if clamps && onlyTime {
			// Shifting rows forward by months would fold several days onto
			// one (January 29–31 all land on February's last day), so the
			// filter cannot select the earlier rows; the join on periods does.
			// A cumulative part keeps the bounds its windows need.
			if pt.Cumulative != nil {
				if wb := b.windowBound(pt, c); wb != nil {
					pt.Where = append(pt.Where, wb)
				}
			}
			continue
		}
		for _, col := range expr.Columns(c) {
			q, _ := logical.FieldRef(col.Name)
			useField(q)
		}
		pt.Where = append(pt.Where, c)
	}
	for _, m := range pt.Measures {
		for _, e := range []ast.ExprNode{m.Metric.Expr, m.Metric.Filter} {
			if e == nil {
				continue
			}
			for _, col := range expr.Columns(e) {
				q, _ := logical.FieldRef(col.Name)
				useField(q)
			}
		}
		if na := m.Metric.NonAdditive; na != nil {
			useField(na.Time)
			for _, f := range na.Per {
				useField(f)
			}
		}
	}
	for _, s := range b.q.Semi {
		if w.Field(s.Field) == nil {
			return &Error{Field: "audience", Code: "unreachable-field",
				Msg: fmt.Sprintf("fact %q does not reach %s, the audience's entity key, %s", w.Name(), s.Field, b.needs(pt))}
		}
		useField(s.Field)
		pt.Semi = append(pt.Semi, s)
	}
	pt.Joins = JoinsFor(w, needed)
	return nil
}

// cumulativeTime finds the time dimension a cumulative part accumulates
// along: exactly one dimension of the query on one of the fact's time fields,
// at a grain; to_date needs a grain no finer than the query's.
func (b *builder) cumulativeTime(pt *Part) *Error {
	field := b.partField[pt]
	found := -1
	for i, d := range b.p.Dims {
		if d.Grain != "" && pt.Fact.Field(d.Field) != nil {
			if found >= 0 {
				return &Error{Field: field, Code: "window-needs-time",
					Msg: fmt.Sprintf("a cumulative metric accumulates along one time dimension, and the query has two (%s, %s); keep one", b.p.Dims[found].Name, d.Name)}
			}
			found = i
		}
	}
	if found < 0 {
		return &Error{Field: field, Code: "window-needs-time",
			Msg: fmt.Sprintf("a cumulative metric reports each period's window: add a time dimension with a grain, e.g. %s.%s.day", pt.Fact.Name(), pt.Fact.Fact.Time.Value)}
	}
	d := b.p.Dims[found]
	if g := pt.Cumulative.ToDate; g != "" && grainIndex(g) < grainIndex(d.Grain) {
		return &Error{Field: field, Code: "window-needs-time",
			Msg: fmt.Sprintf("%s to date needs periods of a %s or finer, and the query groups by %s", g, g, d.Name)}
	}
	if g := pt.Cumulative.ToDate; g != "" && g != "week" && d.Grain == "week" {
		return &Error{Field: field, Code: "window-needs-time", Msg: fmt.Sprintf("weeks straddle %ss, so %s to date has no value per week; group by day", g, g)}
	}
	pt.TimeDim = found
	pt.TimeFields[d.Field] = true
	return nil
}

func grainIndex(g string) int {
	for i, x := range model.Grains {
		if x == g {
			return i
		}
	}
	return -1
}

// shiftClamps reports whether a shifted part moves time by calendar months
// while the query groups one of the shifted fields finer than a month: then
// moving a row forward and moving a period back are not inverses.
func (b *builder) shiftClamps(pt *Part) bool {
	switch pt.Shift.Unit {
	case "month", "quarter", "year":
	default:
		return false
	}
	for _, d := range b.p.Dims {
		if pt.TimeFields[d.Field] && (d.Grain == "hour" || d.Grain == "day" || d.Grain == "week") {
			return true
		}
	}
	return false
}

// needs says why a part reads its fact: the metrics it computes, or the
// values a query without metrics lists.
func (b *builder) needs(pt *Part) string {
	if len(pt.Measures) == 0 {
		return "whose wide table the query lists values from"
	}
	return "which metric " + b.measureNames(pt) + " needs"
}

func (b *builder) measureNames(pt *Part) string {
	names := make([]string, len(pt.Measures))
	for i, m := range pt.Measures {
		names[i] = m.Metric.Name
	}
	return strings.Join(names, ", ")
}

// JoinsFor lists the joins that reach the needed instances, in the wide
// table's breadth-first order so that each join's left side is already joined.
func JoinsFor(w *logical.WideTable, needed map[string]bool) []logical.Join {
	onPath := map[string]bool{}
	for alias := range needed {
		in := w.Instance(alias)
		for _, j := range in.Path {
			onPath[j.ToAlias] = true
		}
	}
	var out []logical.Join
	for _, in := range w.Instances {
		if onPath[in.Alias] && len(in.Path) > 0 {
			out = append(out, in.Path[len(in.Path)-1])
		}
	}
	return out
}

func (b *builder) order() *Error {
	outputs := map[string]string{}
	var names []string
	for i, d := range b.p.Dims {
		outputs[d.Name] = d.Name
		outputs[strings.TrimSpace(b.q.Dimensions[i])] = d.Name
		names = append(names, d.Name)
	}
	for _, m := range b.p.Metrics {
		outputs[m.Name] = m.Name
		names = append(names, m.Name)
	}
	for i, o := range b.q.Order {
		o = strings.TrimSpace(o)
		desc := strings.HasPrefix(o, "-")
		name := strings.TrimPrefix(strings.TrimPrefix(o, "-"), "+")
		if fields := strings.Fields(name); len(fields) == 2 && (strings.EqualFold(fields[1], "desc") || strings.EqualFold(fields[1], "asc")) {
			name, desc = fields[0], strings.EqualFold(fields[1], "desc")
		}
		out, ok := outputs[name]
		if !ok {
			sort.Strings(names)
			return &Error{Field: fmt.Sprintf("order[%d]", i), Code: "bad-order",
				Msg: fmt.Sprintf("cannot order by %q: it is not a metric or dimension of the query%s", name, model.DidYouMean(name, names))}
		}
		b.p.Order = append(b.p.Order, Order{Name: out, Desc: desc})
	}
	return nil
}
