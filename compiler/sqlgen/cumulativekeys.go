package sqlgen

import (
	"strconv"
	"strings"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// cumulativeKeysPart serves a cumulative part from a rollup on an engine
// without a set type (MySQL), where each distinct count is kept as key rows
// in a side table (rollup.KeyTable) rather than as a set column.
//
//  1. The part's other measures are merged per period over the rollup's rows
//     in each period's window (cumulativeSelect), with a row count so that
//     every period with rows in its window is there even when it has no
//     other measure: the rollup holds every group of the fact.
//  2. Each distinct count is COUNT(DISTINCT key) per period over the key
//     table's rows in the window: the distinct keys of the window, never a
//     sum of per-period counts. The key table has the rollup's kept columns,
//     so the window, filter and dimensions read it as they read the rollup.
//  3. Each count is LEFT JOINed to step 1 on the dimensions, NULL-safely; a
//     window without keys counts 0, as COUNT(DISTINCT) over no values does.
func (w *writer) cumulativeKeysPart(pt *plan.Part, periods string) (string, error) {
	rcol := func(c string) string { return w.q("r") + "." + w.q(c) }
	main := []string{"COUNT(*) AS " + w.q("rows")}
	var outer []string
	for i := range w.p.Dims {
		outer = append(outer, w.q("m")+"."+w.q(dimCol(i)))
	}
	var joins []string
	keys := 0
	for _, m := range pt.Measures {
		col := w.q(measureCol(pt, m))
		if !rollup.StoresSet(m.Metric) {
			s, err := w.merge(m.Metric, rcol)
			if err != nil {
				return "", err
			}
			main = append(main, s+" AS "+col)
			outer = append(outer, w.q("m")+"."+col)
			continue
		}
		count := w.d.CountDistinct(rcol(rollup.KeyColumn))
		if m.Metric.Agg == model.AggApproxCountDistinct {
			count = w.d.ApproxCountDistinct(rcol(rollup.KeyColumn))
		}
		from := "FROM " + Table(w.d, pt.Rollup.KeyTables[m.Metric.Name]) + " AS " + w.q("r")
		body, err := w.cumulativeSelect(pt, periods, from, []string{count + " AS " + w.q("n")})
		if err != nil {
			return "", err
		}
		alias := w.q("k" + strconv.Itoa(keys))
		keys++
		var on []string
		for i := range w.p.Dims {
			on = append(on, w.d.NullSafeEqual(alias+"."+w.q(dimCol(i)), w.q("m")+"."+w.q(dimCol(i))))
		}
		joins = append(joins, "LEFT JOIN (\n"+indent(body)+"\n) AS "+alias+" ON "+strings.Join(on, " AND "))
		outer = append(outer, "COALESCE("+alias+"."+w.q("n")+", 0) AS "+col)
	}
	m, err := w.cumulativeSelect(pt, periods, w.from(pt), main)
	if err != nil {
		return "", err
	}
	return "SELECT " + strings.Join(outer, ", ") + "\nFROM (\n" + indent(m) + "\n) AS " + w.q("m") + "\n" + strings.Join(joins, "\n"), nil
}
