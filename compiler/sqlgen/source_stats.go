package sqlgen

import (
	"fmt"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
)

// SourcePartitionStats selects, per partition of the grain, (the
// partition's label, its row count, the newest value of the time column)
// from the rollup's fact table as the engine holds it: the fingerprint of
// an engine-table source's partitions, one GROUP BY over the fact alone.
// The label is the rollup's time field at the partition grain in the
// project's time zone, as the build labels its rows; rows with a NULL time
// come out with a NULL label. The time field must be a column of the fact.
func SourcePartitionStats(cat *logical.Catalog, r *rollup.Rollup, d Dialect, grain string) (string, error) {
	w, pt, _, err := buildWriter(cat, r, d, nil)
	if err != nil {
		return "", err
	}
	f := pt.Fact.Field(r.TimeField)
	if f == nil || f.Computed != nil || f.Alias != pt.Fact.Name() {
		return "", fmt.Errorf("internal: %s's time field %s is not a column of its fact", r.Name, r.TimeField)
	}
	pt.Joins = nil
	label, err := w.dim(pt, &plan.Dim{Field: r.TimeField, Grain: grain})
	if err != nil {
		return "", err
	}
	raw := w.q(f.Alias) + "." + w.q(f.Column)
	return "SELECT " + label + ", COUNT(*), MAX(" + raw + ")\n" + w.from(pt) + "\nGROUP BY 1", nil
}
