package enginetest

import (
	"context"
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
)

// ColumnDef is a column of a table to load, its type by portable name
// (bigint, integer, decimal(18,2), varchar, boolean, date, timestamp…).
type ColumnDef struct {
	Name string
	Type string
}

// loadBatch is how many rows one INSERT carries: 500 rows of a dozen columns
// stay far below MySQL's 65,535 placeholders and its packet limit.
const loadBatch = 500

// LoadParquet creates table (name or schema.name; the schema must exist) in
// dst with the declared column types and fills it with the parquet file's
// rows, read through DuckDB and inserted in batches of multi-row INSERTs with
// placeholders. DECIMAL values travel as text, so they arrive exact.
func LoadParquet(ctx context.Context, dst engine.Engine, table string, cols []ColumnDef, path string) error {
	src, err := duckdb.Open("", 1)
	if err != nil {
		return err
	}
	defer src.Close()
	var sel []string
	for _, c := range cols {
		e := duckdb.QuoteIdent(c.Name)
		if strings.HasPrefix(c.Type, "decimal") {
			e = "CAST(" + e + " AS VARCHAR)"
		}
		sel = append(sel, e)
	}
	rows, err := src.Query(ctx, fmt.Sprintf("SELECT %s FROM read_parquet(%s)", strings.Join(sel, ", "), duckdb.QuoteString(path)))
	if err != nil {
		return fmt.Errorf("load %s: read %s: %w", table, path, err)
	}
	return Load(ctx, dst, table, cols, rows.Rows)
}

// Load creates table in dst with the declared column types and inserts rows.
func Load(ctx context.Context, dst engine.Engine, table string, cols []ColumnDef, rows [][]any) error {
	q := quoter(dst.Dialect())
	var defs, names []string
	for _, c := range cols {
		t, err := ddlType(dst.Dialect(), c.Type)
		if err != nil {
			return fmt.Errorf("load %s: column %s: %w", table, c.Name, err)
		}
		defs = append(defs, q(c.Name)+" "+t)
		names = append(names, q(c.Name))
	}
	qt := qualified(q, table)
	if err := dst.Exec(ctx, "DROP TABLE IF EXISTS "+qt); err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	if err := dst.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", qt, strings.Join(defs, ", "))); err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for start := 0; start < len(rows); start += loadBatch {
		batch := rows[start:min(start+loadBatch, len(rows))]
		tuples := make([]string, len(batch))
		args := make([]any, 0, len(batch)*len(cols))
		for i, r := range batch {
			tuples[i] = tuple
			args = append(args, r...)
		}
		stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", qt, strings.Join(names, ", "), strings.Join(tuples, ", "))
		if err := dst.Exec(ctx, stmt, args...); err != nil {
			return fmt.Errorf("load %s: rows %d–%d: %w", table, start+1, start+len(batch), err)
		}
	}
	return nil
}

func quoter(dialect string) func(string) string {
	if dialect == "duckdb" {
		return duckdb.QuoteIdent
	}
	return func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
}

func qualified(q func(string) string, table string) string {
	if schema, name, ok := strings.Cut(table, "."); ok {
		return q(schema) + "." + q(name)
	}
	return q(table)
}

// ddlType is the column type a loaded table declares on the engine.
func ddlType(dialect, portable string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(portable))
	if strings.HasPrefix(t, "decimal") {
		return strings.ToUpper(t), nil
	}
	mysql := map[string]string{
		"tinyint": "TINYINT", "smallint": "SMALLINT", "integer": "INT", "bigint": "BIGINT",
		"float": "FLOAT", "double": "DOUBLE", "varchar": "VARCHAR(255)", "boolean": "BOOLEAN",
		"date": "DATE", "timestamp": "DATETIME(6)", "timestamptz": "DATETIME(6)",
	}
	if dialect == "duckdb" {
		if t == "timestamptz" {
			return "TIMESTAMPTZ", nil
		}
		if _, ok := mysql[t]; ok {
			return strings.ToUpper(t), nil
		}
	} else if s, ok := mysql[t]; ok {
		return s, nil
	}
	return "", fmt.Errorf("no %s column type for %q", dialect, portable)
}
