package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/rollup"
)

// StorageMerge re-aggregates one storage column of a measure (col, as the
// caller qualifies it) into the same storage form: what building a coarser
// rollup from a finer one's rows needs. Sums, counts and row counts add up,
// minima and maxima take theirs, and distinct sets are unioned in the
// dialect's set form (DuckDB: bitmaps of integer keys, lists otherwise).
func StorageMerge(d Dialect, m *logical.Metric, st rollup.Storage, col string) (string, error) {
	switch st.Kind {
	case "sum", "count", "rows":
		return "SUM(" + col + ")", nil
	case "min", "max":
		return strings.ToUpper(st.Kind) + "(" + col + ")", nil
	case "set":
		if !d.SetColumns() {
			return "", fmt.Errorf("the %s dialect keeps distinct keys in side tables, not set columns; merge them as key rows", d.Name())
		}
		return d.SetUnion(col, rollup.SetKey(m))
	}
	return "", fmt.Errorf("internal: no storage merge for %s of %s", st.Kind, m.Name)
}
