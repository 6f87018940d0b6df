package sqlgen

import (
	"strings"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// cumulativePart writes a cumulative part: for each period the query reports,
// its measures re-aggregated over the rows of the period's window.
//
//  1. The periods are the distinct dimension tuples of the query's unshifted
//     result (periods): the query reports those, with their filters.
//  2. Each source row (raw rows, or a rollup's rows) joins every period whose
//     window holds its time and whose other dimensions it shares (NULL
//     matching NULL). The window of period P (label p, query grain g) is
//     [start, p + 1 g): start is the to_date grain's period containing p, or
//     p + 1 g − window in calendar arithmetic.
//  3. The measures aggregate per period over the joined rows: a sum is the
//     window's sum and a distinct count the window's distinct count, never a
//     sum of per-period counts. The query's filter terms on the time field
//     were left out of the part (plan), so rows before the first reported
//     period count.
func (w *writer) cumulativePart(pt *plan.Part, periods string) (string, error) {
	if pt.Rollup != nil && !w.d.SetColumns() && w.readsKeys(pt) {
		return w.cumulativeKeysPart(pt, periods)
	}
	rcol := func(c string) string { return w.q("r") + "." + w.q(c) }
	var cols []string
	for _, m := range pt.Measures {
		var s string
		var err error
		if pt.Rollup != nil {
			s, err = w.merge(m.Metric, rcol)
		} else {
			s, err = w.aggregate(pt, m.Metric)
		}
		if err != nil {
			return "", err
		}
		cols = append(cols, s+" AS "+w.q(measureCol(pt, m)))
	}
	return w.cumulativeSelect(pt, periods, w.from(pt), cols)
}

// cumulativeSelect is steps 2 and 3 over the rows of from: the periods' keys
// and the given measure columns, aggregated over each period's window.
func (w *writer) cumulativeSelect(pt *plan.Part, periods, from string, measures []string) (string, error) {
	k := w.q("k")
	var sel, keys, on []string
	tdim := w.p.Dims[pt.TimeDim]
	for i, d := range w.p.Dims {
		kc := k + "." + w.q(dimCol(i))
		sel = append(sel, kc+" AS "+w.q(dimCol(i)))
		keys = append(keys, w.q(dimCol(i)))
		if i == pt.TimeDim {
			continue
		}
		s, err := w.dim(pt, d)
		if err != nil {
			return "", err
		}
		on = append(on, w.d.NullSafeEqual(s, kc))
	}
	t, err := w.field(pt, tdim.Field)
	if err != nil {
		return "", err
	}
	start, end := w.windowBounds(pt.Cumulative, k+"."+w.q(dimCol(pt.TimeDim)), tdim.Grain)
	on = append(on, t+" >= "+start, t+" < "+end)
	sel = append(sel, measures...)
	where, err := w.where(pt)
	if err != nil {
		return "", err
	}
	ks := "SELECT DISTINCT " + strings.Join(keys, ", ") + " FROM " + periods
	return "SELECT " + strings.Join(sel, ", ") + "\n" + from +
		"\nJOIN (" + ks + ") AS " + k + " ON " + strings.Join(on, "\n  AND ") + where + w.groupBy(), nil
}

// windowBounds renders the start and end of the window of the period labelled
// p at the query's grain.
func (w *writer) windowBounds(c *plan.Cumulative, p, grain string) (start, end string) {
	end = w.d.Shift(p, model.Period{N: 1, Unit: grain})
	if c.ToDate != "" {
		if c.ToDate == grain {
			return p, end
		}
		return w.d.TimeGrain(p, c.ToDate), end
	}
	back := c.Window
	back.N = -back.N
	return w.d.Shift(end, back), end
}

// sameDims matches a part's rows to the query's rows on every dimension,
// NULL matching NULL.
func (w *writer) sameDims(pt *plan.Part) string {
	var conds []string
	for i := range w.p.Dims {
		conds = append(conds, w.d.NullSafeEqual(w.q(pt.ID)+"."+w.q(dimCol(i)), w.q("b")+"."+w.q(dimCol(i))))
	}
	if len(conds) == 0 {
		return "TRUE"
	}
	return strings.Join(conds, " AND ")
}
