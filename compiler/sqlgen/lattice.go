package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// RollupBuildFrom renders the statement that computes target's rows from a
// stored version (table) of source, a finer rollup that produces it exactly
// (rollup.DerivableFrom): source's rows grouped by target's fields, the time
// label truncated to target's grain, and each storage column re-aggregated
// (rollup.Storages): sums summed, counts summed back to integers, mins and
// maxes of themselves, sets unioned. The columns and their types are those
// RollupBuild gives, so the result is stored and read the same way.
func RollupBuildFrom(target, source *rollup.Rollup, table string, d Dialect) (string, error) {
	if why := rollup.DerivableFrom(target, source, d.SetColumns()); why != "" {
		return "", fmt.Errorf("rollup %s cannot be built from %s: %s", target.Name, source.Name, why)
	}
	q := d.QuoteIdent
	col := func(c string) string { return q("s") + "." + q(c) }
	var sel, group []string
	for _, dim := range target.Dims {
		sel = append(sel, col(dim)+" AS "+q(dim))
		group = append(group, col(dim))
	}
	if target.TimeField != "" {
		label := col(source.TimeColumn())
		if target.Grain != source.Grain {
			label = d.TimeGrain(label, target.Grain)
		}
		sel = append(sel, label+" AS "+q(target.TimeColumn()))
		group = append(group, label)
	}
	bigint := d.Type(model.Type{Base: "bigint"})
	for _, m := range target.Measures {
		if rollup.StoresSet(m) && !d.SetColumns() {
			continue
		}
		for _, st := range rollup.Storages(m) {
			agg, err := StorageMerge(d, m, st, col(st.Column))
			if err != nil {
				return "", err
			}
			if st.Kind == "count" || st.Kind == "rows" {
				// SUM widens; a count is stored as the integer COUNT gives.
				agg = "CAST(COALESCE(" + agg + ", 0) AS " + bigint + ")"
			}
			sel = append(sel, agg+" AS "+q(st.Column))
		}
	}
	s := "SELECT " + strings.Join(sel, ", ") + "\nFROM " + Table(d, table) + " AS " + q("s")
	if len(group) > 0 {
		s += "\nGROUP BY " + strings.Join(group, ", ")
	}
	return s, nil
}
