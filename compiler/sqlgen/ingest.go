package sqlgen

import (
	"fmt"
	"strings"
)

// Appended rows (materializer/ingest.go): a staging table with the source's
// columns, filled by InsertRows and written as one parquet file.

// IngestStage creates the temporary table appended rows are staged in,
// with the columns (names, and types as the engine names them: the source's
// as DESCRIBE gave them) of the source they join.
func IngestStage(d Dialect, name string, cols, types []string) string {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = d.QuoteIdent(c) + " " + types[i]
	}
	return "CREATE TEMP TABLE " + d.QuoteIdent(name) + " (" + strings.Join(defs, ", ") + ")"
}

// IngestWrite writes the staged rows to a parquet file.
func IngestWrite(d Dialect, name, path string) string {
	return "COPY " + d.QuoteIdent(name) + " TO " + d.QuoteString(path) + " (FORMAT parquet)"
}

// IngestDropStage drops the staging table.
func IngestDropStage(d Dialect, name string) string {
	return "DROP TABLE " + d.QuoteIdent(name)
}

// InsertRows inserts n rows of the columns, one argument per value.
func InsertRows(d Dialect, table string, cols []string, n int) string {
	q := make([]string, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		q[i], marks[i] = d.QuoteIdent(c), "?"
	}
	row := "(" + strings.Join(marks, ", ") + ")"
	rows := make([]string, n)
	for i := range rows {
		rows[i] = row
	}
	return "INSERT INTO " + Table(d, table) + " (" + strings.Join(q, ", ") + ") VALUES " + strings.Join(rows, ", ")
}

// FilesSource reads several parquet files or globs as one table, their
// columns matched by name: a fact's files and the rows appended to it.
func FilesSource(d Dialect, paths []string) (string, error) {
	if d.Name() != "duckdb" {
		return "", fmt.Errorf("reading a list of parquet files needs the duckdb engine, not %s", d.Name())
	}
	list := make([]string, len(paths))
	for i, p := range paths {
		list[i] = d.QuoteString(p)
	}
	return "read_parquet([" + strings.Join(list, ", ") + "], union_by_name = true)", nil
}
