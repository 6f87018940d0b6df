package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
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

// EngineTableStats selects one row fingerprinting a table held by the
// engine, read under its model name: its row count, then for each column
// of timeCols its newest value and the sum of the values' hashes (an
// append, a delete or a row moved in time changes one of them), then, when
// hashCols is not empty, the sum of a hash of those columns' values per row
// (any edit of them, an update in place too). A fact is fingerprinted by
// its time column, a dimension by every column.
func EngineTableStats(d Dialect, table string, timeCols, hashCols []string) string {
	// A sum of hashes is read as text: a driver may hand a 128-bit integer
	// back as a float, which would round small changes away.
	text := d.Type(model.Type{Base: "varchar"})
	sum := func(args []string) string { return "CAST(SUM(" + d.RowHash(args) + ") AS " + text + ")" }
	terms := []string{"COUNT(*)"}
	for _, c := range timeCols {
		q := d.QuoteIdent(c)
		terms = append(terms, "MAX("+q+")", sum([]string{q}))
	}
	if len(hashCols) > 0 {
		qs := make([]string, len(hashCols))
		for i, c := range hashCols {
			qs[i] = d.QuoteIdent(c)
		}
		terms = append(terms, sum(qs))
	}
	return "SELECT " + strings.Join(terms, ", ") + "\nFROM " + Table(d, table)
}
