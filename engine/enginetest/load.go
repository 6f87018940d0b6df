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
// Key columns form the table's primary key: on MySQL-protocol engines the
// join from a fact to a dimension is an index lookup only when the
// dimension's key is indexed.
type ColumnDef struct {
	Name string
	Type string
	Key  bool
}

// loadBatch is how many rows one INSERT carries: 500 rows of a dozen columns
// stay far below MySQL's 65,535 placeholders and its packet limit.
const loadBatch = 500

// loadTx is how many rows one load transaction carries.
const loadTx = 20_000

// LoadParquet creates table (name or schema.name; the schema must exist) in
// dst with the declared column types and fills it with the parquet file's
// rows, read through DuckDB and inserted in batches of multi-row INSERTs with
// placeholders. DECIMAL values travel as text, so they arrive exact.
func LoadParquet(ctx context.Context, dst engine.Engine, table string, cols []ColumnDef, path string) error {
	if db, ok := dst.(*duckdb.DB); ok {
		// DuckDB reads the file itself, far faster than bound parameters.
		if err := Load(ctx, db, table, cols, nil); err != nil {
			return err
		}
		var names []string
		for _, c := range cols {
			names = append(names, duckdb.QuoteIdent(c.Name))
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM read_parquet(%s)", qualified(duckdb.QuoteIdent, table),
			strings.Join(names, ", "), strings.Join(names, ", "), duckdb.QuoteString(path))
		if err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("load %s: %w", table, err)
		}
		return nil
	}
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
	var defs, names, keys []string
	for _, c := range cols {
		if c.Key {
			keys = append(keys, q(c.Name))
		}
		t, err := ddlType(dst.Dialect(), c.Type)
		if err != nil {
			return fmt.Errorf("load %s: column %s: %w", table, c.Name, err)
		}
		defs = append(defs, q(c.Name)+" "+t)
		names = append(names, q(c.Name))
	}
	olap := dst.Dialect() == "starrocks" || dst.Dialect() == "doris"
	tail := ""
	switch {
	case olap:
		// A duplicate-key table keyed on its first column, one bucket and
		// one replica: a test cluster may have a single backend.
		tail = " DUPLICATE KEY(" + names[0] + ") DISTRIBUTED BY HASH(" + names[0] + ") BUCKETS 1 PROPERTIES (\"replication_num\" = \"1\")"
	case len(keys) > 0:
		defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ", ")+")")
	}
	qt := qualified(q, table)
	if err := dst.Exec(ctx, "DROP TABLE IF EXISTS "+qt); err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	if err := dst.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)%s", qt, strings.Join(defs, ", "), tail)); err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	// Batches go in transactions of several: one commit (and one log flush)
	// per loadTx rows instead of one per statement.
	var stmts []engine.Statement
	flush := func(upTo int) error {
		if len(stmts) == 0 {
			return nil
		}
		run := dst.ExecTx
		if olap { // each INSERT is its own load transaction there
			run = func(ctx context.Context, stmts ...engine.Statement) error {
				for _, s := range stmts {
					if err := dst.Exec(ctx, s.SQL, s.Args...); err != nil {
						return err
					}
				}
				return nil
			}
		}
		if err := run(ctx, stmts...); err != nil {
			return fmt.Errorf("load %s: rows up to %d: %w", table, upTo, err)
		}
		stmts = stmts[:0]
		return nil
	}
	for start := 0; start < len(rows); start += loadBatch {
		batch := rows[start:min(start+loadBatch, len(rows))]
		tuples := make([]string, len(batch))
		args := make([]any, 0, len(batch)*len(cols))
		for i, r := range batch {
			tuples[i] = tuple
			args = append(args, r...)
		}
		stmts = append(stmts, engine.Statement{
			SQL:  fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", qt, strings.Join(names, ", "), strings.Join(tuples, ", ")),
			Args: args,
		})
		if len(stmts)*loadBatch >= loadTx {
			if err := flush(start + len(batch)); err != nil {
				return err
			}
		}
	}
	return flush(len(rows))
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
		if dialect != "mysql" && strings.HasPrefix(s, "DATETIME") {
			return "DATETIME", nil // StarRocks' DATETIME keeps microseconds and takes no precision
		}
		return s, nil
	}
	return "", fmt.Errorf("no %s column type for %q", dialect, portable)
}
