package sqlgen

import (
	"slices"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// OLAPInexactDistinct names the measures of a rollup that a StarRocks or
// Doris table cannot keep exactly: distinct counts of a non-integer
// expression (OLAPRollupTable refuses them; see olap.go on bitmap_hash).
// `strata validate` reports each at its place in the model, so the refusal
// is met before any refresh.
func OLAPInexactDistinct(engineType string, r *rollup.Rollup) []string {
	if !slices.Contains(OLAPEngines, engineType) {
		return nil
	}
	var out []string
	for _, m := range r.Measures {
		for _, st := range rollup.Storages(m) {
			if st.Kind == "set" && m.Agg != model.AggApproxCountDistinct && !integerExpr(r, m) {
				out = append(out, m.Name)
				break
			}
		}
	}
	return out
}
