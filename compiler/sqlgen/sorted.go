package sqlgen

import (
	"strings"
)

// A rollup version is first written unsorted (its staging table), then
// measured — its row count, each kept field's number of distinct values and
// whether each sum fits a narrower type, in one scan — and copied sorted by
// its time label and then its fields in increasing cardinality, with the
// narrow sums cast on the way, into the table that serves. Sorting puts equal
// values of the coarse fields in long runs, so that a filter on any prefix of
// the order skips most row groups by their min/max statistics.

// StagingTable names the unsorted table a version is built into before it is
// stored sorted as table. It keeps the rollup table prefix, so that one a
// killed build leaves behind is dropped as an orphan.
func StagingTable(table string) string { return table + "_s" }

// BuildStats measures a staging table in one scan: COUNT(*), then each of
// dims' distinct counts (approximate where the engine has a sketch; only
// their order is used), then for each of fits one boolean, whether every
// value of column fits[i] fits types[i] (Dialect.Fits).
func BuildStats(d Dialect, table string, dims, fits, types []string) string {
	sel := []string{"COUNT(*)"}
	for _, c := range dims {
		sel = append(sel, d.ApproxCountDistinct(d.QuoteIdent(c)))
	}
	for i, c := range fits {
		sel = append(sel, d.Fits(d.QuoteIdent(c), types[i]))
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + Table(d, table)
}

// SortedCopy stores staging's columns (in cols order) as table, sorted by
// order; a column with a type in casts is stored as that type.
func SortedCopy(d Dialect, table, staging string, cols []string, casts map[string]string, order []string) string {
	q := d.QuoteIdent
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = q(c)
		if t := casts[c]; t != "" {
			sel[i] = "CAST(" + q(c) + " AS " + t + ") AS " + q(c)
		}
	}
	s := "CREATE TABLE " + Table(d, table) + " AS SELECT " + strings.Join(sel, ", ") + " FROM " + Table(d, staging)
	if len(order) > 0 {
		terms := make([]string, len(order))
		for i, c := range order {
			terms[i] = q(c)
		}
		s += "\nORDER BY " + strings.Join(terms, ", ")
	}
	return s
}

// LineageDDL creates the table that records which rollup each rollup's
// current version was built from ("" for the raw tables).
func LineageDDL(d Dialect) []string {
	q := d.QuoteIdent
	return []string{
		"CREATE SCHEMA IF NOT EXISTS " + q(StateSchema),
		"CREATE TABLE IF NOT EXISTS " + lineageTable(d) + " (" + q("rollup") + " VARCHAR(255) PRIMARY KEY, " + q("built_from") + " VARCHAR(255))",
	}
}

func lineageTable(d Dialect) string { return d.QuoteIdent(StateSchema) + "." + d.QuoteIdent("lineage") }

// RecordLineage records what a build read (arguments rollup, built_from).
func RecordLineage(d Dialect) string {
	return d.Upsert(StateSchema+".lineage", "rollup", []string{"rollup", "built_from"})
}

// ReadLineage selects (rollup, built_from) of every recorded build.
func ReadLineage(d Dialect) string {
	return "SELECT " + d.QuoteIdent("rollup") + ", COALESCE(" + d.QuoteIdent("built_from") + ", '') FROM " + lineageTable(d)
}

// DeleteLineage deletes a removed rollup's lineage row (argument rollup).
func DeleteLineage(d Dialect) string {
	return "DELETE FROM " + lineageTable(d) + " WHERE " + d.QuoteIdent("rollup") + " = ?"
}
