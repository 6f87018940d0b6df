package sqlgen

import "strings"

// Appended rows (materializer/ingest.go).

// IngestWrite writes the rows of a JSON lines file as a parquet file, each
// column read as the engine type given (the source's, as DESCRIBE names it),
// in that order.
func IngestWrite(d Dialect, lines string, cols, types []string, out string) string {
	spec := make([]string, len(cols))
	for i, c := range cols {
		spec[i] = d.QuoteString(c) + ": " + d.QuoteString(types[i])
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = d.QuoteIdent(c)
	}
	return "COPY (SELECT " + strings.Join(sel, ", ") + " FROM read_json(" + d.QuoteString(lines) + ", format = 'newline_delimited', columns = {" + strings.Join(spec, ", ") + "})) TO " + d.QuoteString(out) + " (FORMAT parquet)"
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
func FilesSource(d Dialect, paths []string) (string, error) { return parquetList(d, paths, true) }
