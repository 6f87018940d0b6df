// Package duckdb is the embedded columnar executor: DuckDB through duckdb-go.
// It is the only package that imports the driver.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/strata-metrics/strata/engine"
)

// DB is an open DuckDB warehouse.
type DB struct {
	db    *sql.DB
	path  string
	stmts *stmtCache
}

var _ engine.Engine = (*DB)(nil)

// Open opens (creating if needed) the warehouse at path; "" or ":memory:" opens
// an in-memory warehouse. threads > 0 caps DuckDB's worker threads.
func Open(path string, threads int) (*DB, error) {
	dsn := ""
	var init func(driver.ExecerContext) error
	if path != "" && path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("duckdb: %w", err)
		}
		attach := fmt.Sprintf("ATTACH IF NOT EXISTS %s AS %s (ROW_GROUP_SIZE %d)", QuoteString(path), QuoteIdent(catalog), rowGroupRows)
		use := "USE " + QuoteIdent(catalog)
		init = func(c driver.ExecerContext) error {
			for _, q := range []string{attach, use} {
				if _, err := c.ExecContext(context.Background(), q, nil); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if threads > 0 {
		sep := "?"
		dsn += fmt.Sprintf("%sthreads=%d", sep, threads)
	}
	connector, err := duckdb.NewConnector(dsn, init)
	if err != nil {
		return nil, fmt.Errorf("duckdb: open %q: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: open %q: %w", path, err)
	}
	if err := registerBitmaps(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("duckdb: open %q: %w", path, err)
	}
	// Keep the connections that concurrent queries opened: closing all but
	// database/sql's default two after each burst would connect again, and
	// prepare the kept statements again, on the next one.
	db.SetMaxIdleConns(maxIdleConns)
	return &DB{db: db, path: path, stmts: newStmtCache(stmtCacheSize)}, nil
}

// catalog is the name the warehouse file is attached under.
const catalog = "warehouse"

// rowGroupRows is the row group size of the tables the warehouse stores:
// a quarter of DuckDB's default (122,880). A row group is the unit whose
// min/max statistics let a filtered scan skip rows, and rollups are read
// filtered: stored sorted by time and their coarsest dimensions (see the
// materializer's sortDims), a filter on one month of a rollup with 40,000
// rows a month reads one or two row groups of this size instead of a
// default one spanning three months, whose min/max of the month's name
// ('Apr1997' .. 'Nov1997') contains most months. On SSB at SF 1 this
// halves the rollup time of Q3.3 and Q3.4 (4.3 and 3.1 ms to 2.3 and
// 1.4 ms) and changes no build's time; 16,384 rows is slower again on
// the rollups read whole (see BENCHMARKS.md). The option is the attach's:
// the warehouse is attached under catalog and made every connection's
// default (USE), so tables written by an older version keep theirs.
const rowGroupRows = 32768

// maxIdleConns is how many open connections stay open between queries.
const maxIdleConns = 64

// Dialect implements engine.Engine.
func (d *DB) Dialect() string { return "duckdb" }

// SQLDB exposes the database handle for callers inside engine/ (the Arrow path).
func (d *DB) SQLDB() *sql.DB { return d.db }

// Close implements engine.Engine.
func (d *DB) Close() error { return d.db.Close() }

// Exec implements engine.Engine.
func (d *DB) Exec(ctx context.Context, q string, args ...any) error {
	defer d.stmts.clear() // after the change: no statement prepared before it stays
	if _, err := d.db.ExecContext(ctx, q, args...); err != nil {
		return wrap(ctx, q, err)
	}
	return nil
}

// ExecTx implements engine.Engine.
func (d *DB) ExecTx(ctx context.Context, stmts ...engine.Statement) error {
	defer d.stmts.clear() // after the change: no statement prepared before it stays
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(ctx, "BEGIN", err)
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
			_ = tx.Rollback()
			return wrap(ctx, st.SQL, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrap(ctx, "COMMIT", err)
	}
	return nil
}

// RegisterSource makes a file (parquet or csv, chosen by extension) queryable as
// the view name. Paths are quoted as SQL string literals, never pasted raw.
func (d *DB) RegisterSource(ctx context.Context, name, path string) error {
	var reader string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		reader = "read_parquet"
	case ".csv", ".tsv":
		reader = "read_csv_auto"
	default:
		return fmt.Errorf("duckdb: source %q: unsupported file type (want .parquet or .csv)", path)
	}
	q := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM %s(%s)", QuoteIdent(name), reader, QuoteString(path))
	return d.Exec(ctx, q)
}

// Query implements engine.Engine.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*engine.Result, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(ctx, q, err)
	}
	return collect(ctx, q, rows)
}

// QueryPrepared implements engine.Preparer: Query for one statement, which
// is prepared the first time and kept (see stmtCache).
func (d *DB) QueryPrepared(ctx context.Context, q string) (*engine.Result, error) {
	st := d.stmts.get(ctx, d.db, q)
	if st == nil {
		return d.Query(ctx, q)
	}
	defer d.stmts.release(st)
	rows, err := st.stmt.QueryContext(ctx)
	if err != nil {
		return nil, wrap(ctx, q, err)
	}
	return collect(ctx, q, rows)
}

// collect reads rows into a result and closes them.
func collect(ctx context.Context, q string, rows *sql.Rows) (*engine.Result, error) {
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, wrap(ctx, q, err)
	}
	res := &engine.Result{Columns: make([]engine.Column, len(types))}
	for i, t := range types {
		res.Columns[i] = engine.Column{Name: t.Name(), Type: strings.ToLower(t.DatabaseTypeName())}
	}
	for rows.Next() {
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, wrap(ctx, q, err)
		}
		for i, v := range vals {
			vals[i] = normalize(v)
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, q, err)
	}
	return res, nil
}

// normalize maps driver values onto the small set of Go types results carry.
func normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case duckdb.Decimal:
		// Exact: money never passes through float64.
		return engine.Decimal{Unscaled: x.Value, Scale: int(x.Scale)}
	case time.Time:
		return x.UTC()
	default:
		return x
	}
}

func wrap(ctx context.Context, q string, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &engine.Error{SQL: q, Err: engine.ErrCanceled}
	}
	return &engine.Error{SQL: q, Err: err}
}

// QuoteIdent quotes an identifier for DuckDB.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteString quotes a string literal for DuckDB.
func QuoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
