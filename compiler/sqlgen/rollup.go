package sqlgen

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

func (w *writer) rollupTimeColumn(rs *plan.RollupSource) string {
	return w.q("r") + "." + w.q(rs.TimeField+"."+rs.Grain)
}

// rollupField renders a field as a rollup holds it: kept dimensions by name;
// the time field as its period label, read as a timestamp when the field is one.
func (w *writer) rollupField(pt *plan.Part, name string) string {
	rs := pt.Rollup
	if name != rs.TimeField {
		return w.q("r") + "." + w.q(name)
	}
	s := w.rollupTimeColumn(rs)
	if f := pt.Fact.Field(name); f.Type.Family() == model.FamTime && rs.Grain != "hour" {
		s = fmt.Sprintf("CAST(%s AS %s)", s, w.d.Type(model.Type{Base: "timestamp"}))
	}
	return s
}

// merge re-aggregates a stored measure's columns into the measure's value.
func (w *writer) merge(m *logical.Metric, col func(string) string) (string, error) {
	return w.mergeRows(m, col, false)
}

// mergeRows is merge; single says that every group reads at most one rollup
// row, so that a distinct set needs no union: its size is the count.
func (w *writer) mergeRows(m *logical.Metric, col func(string) string, single bool) (string, error) {
	st := rollup.Storages(m)
	c := col(st[0].Column)
	switch m.Agg {
	case model.AggSum:
		return "SUM(" + c + ")", nil
	case model.AggCount:
		return "COALESCE(SUM(" + c + "), 0)", nil
	case model.AggMin, model.AggMax:
		return strings.ToUpper(m.Agg) + "(" + c + ")", nil
	case model.AggAvg:
		return fmt.Sprintf("(SUM(%s) / NULLIF(SUM(%s), 0))", c, col(st[1].Column)), nil
	case model.AggCountDistinct:
		return w.d.SetCount(c, rollup.SetKey(m), single)
	case model.AggApproxCountDistinct:
		return w.d.SetApproxCount(c, rollup.SetKey(m), single)
	}
	return "", fmt.Errorf("internal: no merge for aggregate %s of %s", m.Agg, m.Name)
}

func (w *writer) rollupPart(pt *plan.Part) (string, error) {
	if pt.NonAdditive != nil {
		return w.rollupSemiAdditive(pt)
	}
	if !w.d.SetColumns() && w.readsKeys(pt) {
		return w.rollupKeysPart(pt)
	}
	var sel []string
	for i, d := range w.p.Dims {
		s, err := w.dim(pt, d)
		if err != nil {
			return "", err
		}
		sel = append(sel, s+" AS "+w.q(dimCol(i)))
	}
	rcol := func(c string) string { return w.q("r") + "." + w.q(c) }
	single := w.oneRowPerGroup(pt)
	for _, m := range pt.Measures {
		s, err := w.mergeRows(m.Metric, rcol, single)
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

// oneRowPerGroup reports whether each group of the part reads at most one
// row of its rollup: the query groups by every field the rollup keeps and by
// the rollup's time at the rollup's own grain (a date kept by day: the date
// itself), unshifted. A rollup has one row per such combination.
func (w *writer) oneRowPerGroup(pt *plan.Part) bool {
	rs := pt.Rollup
	if !pt.Shift.IsZero() {
		return false
	}
	grouped := map[string]bool{}
	timeKept := rs.TimeField == ""
	for _, d := range w.p.Dims {
		if d.Grain == "" {
			grouped[d.Field] = true
		}
		if d.Field == rs.TimeField && (d.Grain == rs.Grain || d.Grain == "" && rs.Grain == "day") {
			timeKept = true
		}
	}
	if !timeKept {
		return false
	}
	for _, dim := range rs.Dims {
		if !grouped[dim] {
			return false
		}
	}
	return true
}

// rollupSemiAdditive applies the raw path's rule to a rollup that keeps the
// snapshot date by day: per period, the groups at the last (first) date where
// the measure had rows.
func (w *writer) rollupSemiAdditive(pt *plan.Part) (string, error) {
	m := pt.NonAdditive
	st := rollup.Storages(m)
	var values []string
	for _, s := range st {
		values = append(values, w.q("r")+"."+w.q(s.Column)+" AS "+w.q(s.Column))
	}
	rows := w.q("r") + "." + w.q(st[len(st)-1].Column) + " > 0"
	merged, err := w.merge(m, w.q)
	if err != nil {
		return "", err
	}
	return w.semiAdditive(pt, values, w.rollupTimeColumn(pt.Rollup), []string{rows}, merged)
}

// RollupBuild renders the statement that computes a rollup's rows from the raw
// wide table: one row per kept dimension values and time period, each measure
// in its storage columns (see rollup.Storages). On an engine without a set
// type (Dialect.SetColumns false) distinct counts are left out: each is kept
// in a side table instead (RollupKeys).
func RollupBuild(cat *logical.Catalog, r *rollup.Rollup, d Dialect) (string, error) {
	s, _, err := rollupBuild(cat, r, d, nil, nil)
	return s, err
}

// rollupBuild renders a rollup's build, restricted to the time labels in
// ranges when there are any (reading only files, when given), and returns
// its column names in order.
func rollupBuild(cat *logical.Catalog, r *rollup.Rollup, d Dialect, ranges []plan.Range, files []string) (string, []string, error) {
	w, pt, sel, err := buildWriter(cat, r, d, r.Measures)
	if err != nil {
		return "", nil, err
	}
	cols := append([]string{}, r.Dims...)
	if r.TimeField != "" {
		cols = append(cols, r.TimeColumn())
	}
	if len(ranges) > 0 && len(files) > 0 {
		if w.factFrom, err = fileList(d, files); err != nil {
			return "", nil, err
		}
	}
	for _, m := range r.Measures {
		if rollup.StoresSet(m) && !d.SetColumns() {
			continue
		}
		for _, st := range rollup.Storages(m) {
			s, err := w.storage(pt, m, st.Kind)
			if err != nil {
				return "", nil, err
			}
			sel = append(sel, s+" AS "+w.q(st.Column))
			cols = append(cols, st.Column)
		}
	}
	where := ""
	if len(ranges) > 0 {
		terms, err := w.rangeTerms(pt, r, ranges)
		if err != nil {
			return "", nil, err
		}
		where = "\nWHERE " + strings.Join(terms, "\n  AND ")
	}
	return "SELECT " + strings.Join(sel, ", ") + "\n" + w.from(pt) + where + w.groupBy(), cols, nil
}

// RollupKeys renders the statement that computes a distinct count's side
// table for engines without a set type: the distinct (group, key) pairs, where
// a group is the rollup's kept dimension values and time period and a key a
// value the measure counts (its filter held, not NULL). Counting the distinct
// keys of the groups a query merges is the exact distinct count, as a union of
// sets would be.
func RollupKeys(cat *logical.Catalog, r *rollup.Rollup, m *logical.Metric, d Dialect) (string, error) {
	w, pt, sel, err := buildWriter(cat, r, d, []*logical.Metric{m})
	if err != nil {
		return "", err
	}
	key, err := w.exprIn(pt, m.Expr)
	if err != nil {
		return "", err
	}
	if m.Filter != nil {
		f, err := w.exprIn(pt, m.Filter)
		if err != nil {
			return "", err
		}
		key = fmt.Sprintf("CASE WHEN %s THEN %s END", f, key)
	}
	sel = append(sel, key+" AS "+w.q(rollup.KeyColumn))
	return "SELECT DISTINCT " + strings.Join(sel, ", ") + "\n" + w.from(pt) + "\nWHERE " + key + " IS NOT NULL", nil
}

// buildWriter sets up the raw part a rollup is built from, with the joins its
// kept fields and measures need, and renders the kept fields' columns.
func buildWriter(cat *logical.Catalog, r *rollup.Rollup, d Dialect, measures []*logical.Metric) (*writer, *plan.Part, []string, error) {
	p := &plan.Plan{Catalog: cat, TZ: cat.Project.Timezone}
	pt := &plan.Part{ID: "build", Fact: r.Fact, Source: "raw", TimeFields: map[string]bool{}}
	needed := map[string]bool{r.Fact.Name(): true}
	use := func(q string) {
		if f := r.Fact.Field(q); f != nil {
			needed[f.Alias] = true
		}
	}
	var cols []string
	for _, dim := range r.Dims {
		p.Dims = append(p.Dims, &plan.Dim{Name: dim, Field: dim})
		cols = append(cols, dim)
		use(dim)
	}
	if r.TimeField != "" {
		p.Dims = append(p.Dims, &plan.Dim{Name: r.TimeColumn(), Field: r.TimeField, Grain: r.Grain})
		cols = append(cols, r.TimeColumn())
		use(r.TimeField)
	}
	for _, m := range measures {
		for _, e := range []ast.ExprNode{m.Expr, m.Filter} {
			if e != nil {
				for _, c := range expr.Columns(e) {
					f, _ := logical.FieldRef(c.Name)
					use(f)
				}
			}
		}
	}
	pt.Joins = plan.JoinsFor(r.Fact, needed)
	w := &writer{p: p, d: d, tz: p.TZ}
	var sel []string
	for i, dim := range p.Dims {
		s, err := w.dim(pt, dim)
		if err != nil {
			return nil, nil, nil, err
		}
		sel = append(sel, s+" AS "+w.q(cols[i]))
	}
	return w, pt, sel, nil
}

// storage renders one storage aggregate over raw rows.
func (w *writer) storage(pt *plan.Part, m *logical.Metric, kind string) (string, error) {
	arg := "1"
	if m.Expr != nil && kind != "rows" {
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
	} else if arg == "1" && (kind == "count" || kind == "rows") {
		return "COUNT(*)", nil
	}
	switch kind {
	case "set":
		if m.Agg == model.AggApproxCountDistinct {
			return w.d.SetApproxBuild(arg, rollup.SetKey(m))
		}
		return w.d.SetBuild(arg, rollup.SetKey(m))
	case "rows":
		return "COUNT(" + arg + ")", nil
	}
	return strings.ToUpper(kind) + "(" + arg + ")", nil
}
