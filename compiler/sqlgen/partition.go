package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// ParquetTimeStats reads, from the parquet footers alone, each file's
// (file_name, min, max, rows, nulls) of one column: the min and max as
// text, nulls NULL when a row group does not record them. Only DuckDB reads
// parquet statistics; other engines never hold file sources.
func ParquetTimeStats(d Dialect, files []string, column string) (string, error) {
	if d.Name() != "duckdb" {
		return "", fmt.Errorf("reading parquet statistics needs the duckdb engine, not %s", d.Name())
	}
	list := quotedFiles(d, files)
	// A row group without a min or a max (a writer that keeps no
	// statistics, or keeps them for some row groups only) leaves the file's
	// range unknown (NULL), never the narrower range of the others; a row
	// group of NULLs alone has no range to give and counts as complete.
	unknown := func(col string) string {
		return "COUNT(*) FILTER (WHERE " + col + " IS NULL AND (stats_null_count IS NULL OR stats_null_count < row_group_num_rows))"
	}
	return "SELECT file_name, " +
		"CASE WHEN " + unknown("stats_min_value") + " = 0 THEN MIN(stats_min_value) END, " +
		"CASE WHEN " + unknown("stats_max_value") + " = 0 THEN MAX(stats_max_value) END, SUM(row_group_num_rows), " +
		"CASE WHEN COUNT(stats_null_count) = COUNT(*) THEN SUM(stats_null_count) END" +
		" FROM parquet_metadata(" + list + ") WHERE path_in_schema = " + d.QuoteString(column) +
		" GROUP BY file_name", nil
}

// ParquetTimeRange reads each file's (file name, min, max, rows, nulls) of
// one column from the data itself, the min and max as text: for files
// whose footers record no complete statistics of it. One column is read.
func ParquetTimeRange(d Dialect, files []string, column string) (string, error) {
	if d.Name() != "duckdb" {
		return "", fmt.Errorf("reading parquet files needs the duckdb engine, not %s", d.Name())
	}
	list := quotedFiles(d, files)
	c := d.QuoteIdent(column)
	return "SELECT filename, CAST(MIN(" + c + ") AS VARCHAR), CAST(MAX(" + c + ") AS VARCHAR), COUNT(*), COUNT(*) - COUNT(" + c + ")" +
		" FROM read_parquet(" + list + ", filename = true, union_by_name = true) GROUP BY filename", nil
}

// quotedFiles is the DuckDB list of the files' paths, as string literals.
func quotedFiles(d Dialect, files []string) string {
	list := make([]string, len(files))
	for i, f := range files {
		list[i] = d.QuoteString(f)
	}
	return "[" + strings.Join(list, ", ") + "]"
}

// PartitionStats selects (first day of the partition, rows, latest label)
// of a stored rollup version, one row per partition of the grain; rows
// with a NULL time label come out with a NULL partition.
func PartitionStats(d Dialect, r *rollup.Rollup, table, grain string) string {
	w := &writer{d: d}
	label := w.q(r.TimeColumn())
	part := label
	if grain != r.Grain || r.Grain == "hour" {
		part = d.TimeGrain(label, grain)
	}
	return "SELECT " + part + ", COUNT(*), MAX(" + label + ") FROM " + Table(w.d, table) + " GROUP BY 1"
}

// CreateRollupTable stores a rollup version: body's rows sorted by the
// time label, then by the given dimension columns (lowest cardinality
// first), so that range filters skip most row groups by their statistics.
func CreateRollupTable(d Dialect, r *rollup.Rollup, table, body string, dims []string) string {
	w := &writer{d: d}
	var order []string
	if r.TimeField != "" {
		order = append(order, w.q(r.TimeColumn()))
	}
	for _, c := range dims {
		order = append(order, w.q(c))
	}
	s := "CREATE TABLE " + Table(w.d, table) + " AS SELECT * FROM (\n" + body + "\n) AS " + w.q("b")
	if len(order) > 0 {
		s += "\nORDER BY " + strings.Join(order, ", ")
	}
	return s
}

// UnionAll joins two selects of the same columns.
func UnionAll(a, b string) string { return a + "\nUNION ALL\n" + b }

// LabelType is the type of a rollup's time label column.
func LabelType(grain string) model.Type {
	if grain == "hour" {
		return model.Type{Base: "timestamp"}
	}
	return model.Type{Base: "date"}
}
