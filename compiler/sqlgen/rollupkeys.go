package sqlgen

import (
	"strconv"
	"strings"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// readsKeys reports whether a rollup-served part has a distinct count, which
// an engine without a set type reads from the measure's key table.
func (w *writer) readsKeys(pt *plan.Part) bool {
	for _, m := range pt.Measures {
		if rollup.StoresSet(m.Metric) {
			return true
		}
	}
	return false
}

// rollupKeysPart serves a part from a rollup on an engine without a set type.
//
//  1. The part's other measures are merged from the rollup table as usual,
//     grouped on the query's dimensions (m). Every group of the query that has
//     rows is here: the rollup holds every group of the fact.
//  2. Each distinct count is counted over its key table (rollup.KeyTable):
//     the distinct keys of the groups the query merges, under the same filter
//     and grouping (k0, k1…). The key table has the rollup's kept columns, so
//     the filter and the dimensions read it as they read the rollup.
//  3. Each key count is LEFT JOINed to m on the dimensions, NULL-safely; a
//     group without keys counts 0, as COUNT(DISTINCT) over no values does.
func (w *writer) rollupKeysPart(pt *plan.Part) (string, error) {
	var dims, on []string
	for i, d := range w.p.Dims {
		s, err := w.dim(pt, d)
		if err != nil {
			return "", err
		}
		dims = append(dims, s+" AS "+w.q(dimCol(i)))
	}
	where, err := w.where(pt)
	if err != nil {
		return "", err
	}
	rcol := func(c string) string { return w.q("r") + "." + w.q(c) }
	main := append([]string{}, dims...)
	var outer []string
	for i := range w.p.Dims {
		outer = append(outer, w.q("m")+"."+w.q(dimCol(i)))
	}
	var joins []string
	keys := 0
	for _, m := range pt.Measures {
		col := w.q(measureCol(pt, m))
		if !rollup.StoresSet(m.Metric) {
			s, err := w.mergeRows(m.Metric, rcol, false)
			if err != nil {
				return "", err
			}
			main = append(main, s+" AS "+col)
			outer = append(outer, w.q("m")+"."+col)
			continue
		}
		alias := w.q("k" + strconv.Itoa(keys))
		keys++
		count := w.d.CountDistinct(rcol(rollup.KeyColumn))
		if m.Metric.Agg == model.AggApproxCountDistinct {
			count = w.d.ApproxCountDistinct(rcol(rollup.KeyColumn))
		}
		sel := append(append([]string{}, dims...), count+" AS "+w.q("n"))
		body := "SELECT " + strings.Join(sel, ", ") + "\nFROM " + Table(w.d, pt.Rollup.KeyTables[m.Metric.Name]) + " AS " + w.q("r") + where + w.groupBy()
		on = on[:0]
		for i := range w.p.Dims {
			on = append(on, w.d.NullSafeEqual(alias+"."+w.q(dimCol(i)), w.q("m")+"."+w.q(dimCol(i))))
		}
		cond := "1 = 1"
		if len(on) > 0 {
			cond = strings.Join(on, " AND ")
		}
		joins = append(joins, "LEFT JOIN (\n"+indent(body)+"\n) AS "+alias+" ON "+cond)
		outer = append(outer, "COALESCE("+alias+"."+w.q("n")+", 0) AS "+col)
	}
	if len(main) == 0 {
		main = append(main, "COUNT(*) AS "+w.q("rows")) // one row for a query without dimensions
	}
	m := "SELECT " + strings.Join(main, ", ") + "\n" + w.from(pt) + where + w.groupBy()
	return "SELECT " + strings.Join(outer, ", ") + "\nFROM (\n" + indent(m) + "\n) AS " + w.q("m") + "\n" + strings.Join(joins, "\n"), nil
}
