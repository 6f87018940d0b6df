package sqlgen

import (
	"strings"

	"github.com/strata-metrics/strata/compiler/rollup"
)

// FieldCardinalities measures, in one statement, the number of distinct
// values of each field the rollup keeps, in the table the field is a column
// of (approximately where the engine has a sketch: only their order is
// used). A rollup is stored sorted by its time label and then by its fields
// from the fewest values to the most (CreateRollupTable), so that equal
// values of the coarse fields form long runs and a filter on them skips most
// row groups by their min/max statistics. Dimension tables are small and a
// fact column is one column of one scan, so this costs a fraction of the
// build it orders. Computed fields are not measured; fields lists the
// measured ones, in the order of the statement's columns. The last column
// is the fact's row count, the bound on the rollup's rows that decides how
// many of the fields the sort is worth (see materializer's sortDims).
func FieldCardinalities(r *rollup.Rollup, d Dialect) (sql string, fields []string) {
	var sel []string
	for _, q := range r.Dims {
		f := r.Fact.Field(q)
		if f == nil || f.Computed != nil || f.Column == "" {
			continue
		}
		in := r.Fact.Instance(f.Alias)
		if in == nil {
			continue
		}
		sel = append(sel, "(SELECT "+d.ApproxCountDistinct(d.QuoteIdent(f.Column))+" FROM "+d.QuoteIdent(in.Table.Name)+")")
		fields = append(fields, q)
	}
	if len(sel) == 0 {
		return "", nil
	}
	sel = append(sel, "(SELECT COUNT(*) FROM "+d.QuoteIdent(r.Fact.Fact.Name)+")")
	return "SELECT " + strings.Join(sel, ", "), fields
}
