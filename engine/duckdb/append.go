package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Decimal is an exact decimal number, Value × 10^-Scale (Decimal{12345, 2} is
// 123.45). Append rescales it to the scale of the DECIMAL column it lands in,
// rounding half away from zero when the column has fewer fraction digits.
// Callers outside this package use it because they cannot name the driver's
// own decimal type.
type Decimal struct {
	Value int64
	Scale uint8
}

// String formats d in plain decimal notation.
func (d Decimal) String() string {
	s := strconv.FormatInt(d.Value, 10)
	if d.Scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= int(d.Scale) {
		s = strings.Repeat("0", int(d.Scale)-len(s)+1) + s
	}
	s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// appendCheckEvery is how many rows Append lets pass between context checks.
const appendCheckEvery = 4096

// Append bulk-loads rows into the existing table through DuckDB's appender,
// which is far faster than INSERT statements. table is "name" or
// "schema.name" (unquoted). fill is called once and calls row once per row,
// with one value per table column in table order; row must not be used after
// fill returns.
//
// Values are the driver's usual Go types: integers, floats, bool, string,
// []byte, time.Time (a TIMESTAMP gets the instant's UTC wall clock; a DATE gets
// its UTC date, so pass midnight UTC) and nil for NULL. DECIMAL columns take a
// Decimal (exact), any Go integer (a whole number: 5 is 5.00) or a float
// (rounded to the column's scale).
//
// The load is one transaction: if fill or any row fails, or ctx is canceled,
// nothing is appended. Append must not be called inside a transaction that
// the caller has open on the same connection.
func (d *DB) Append(ctx context.Context, table string, fill func(row func(values ...any) error) error) error {
	schema, name := splitTable(table)
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return wrap(ctx, "APPEND "+table, err)
	}
	defer conn.Close()

	decimals, err := decimalColumns(ctx, conn, schema, name)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return wrap(ctx, "BEGIN TRANSACTION", err)
	}
	err = conn.Raw(func(dc any) error {
		drv, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("duckdb: append %s: unexpected driver connection %T", table, dc)
		}
		a, err := duckdb.NewAppenderFromConn(drv, schema, name)
		if err != nil {
			return fmt.Errorf("duckdb: append %s: %w", table, err)
		}
		buf := make([]driver.Value, len(decimals))
		n := 0
		row := func(values ...any) error {
			if len(values) != len(decimals) {
				return fmt.Errorf("duckdb: append %s: row %d has %d values, table has %d columns", table, n+1, len(values), len(decimals))
			}
			if n%appendCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			for i, v := range values {
				if dc := decimals[i]; dc.width > 0 && v != nil {
					dv, err := dc.value(v)
					if err != nil {
						return fmt.Errorf("duckdb: append %s: row %d column %d: %w", table, n+1, i+1, err)
					}
					v = dv
				}
				buf[i] = v
			}
			n++
			if err := a.AppendRow(buf...); err != nil {
				return fmt.Errorf("duckdb: append %s: row %d: %w", table, n, err)
			}
			return nil
		}
		if err := fill(row); err != nil {
			// Drop what is buffered; the rollback below discards what was flushed.
			_ = a.Clear()
			_ = a.Close()
			return err
		}
		if err := a.CloseWithCancel(ctx); err != nil {
			return fmt.Errorf("duckdb: append %s: %w", table, err)
		}
		return nil
	})
	if err != nil {
		// A background context: the rollback must happen even if ctx is done.
		_, rbErr := conn.ExecContext(context.Background(), "ROLLBACK")
		if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			err = wrap(ctx, "APPEND "+table, ctx.Err())
		}
		if rbErr != nil {
			err = errors.Join(err, fmt.Errorf("duckdb: append %s: rollback: %w", table, rbErr))
		}
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return wrap(ctx, "COMMIT", err)
	}
	return nil
}

// splitTable splits "schema.name" into its parts; a bare name has schema "".
func splitTable(table string) (schema, name string) {
	if i := strings.IndexByte(table, '.'); i >= 0 {
		return table[:i], table[i+1:]
	}
	return "", table
}

// decimalColumn is the width and scale of a DECIMAL column; width is 0 for
// columns of other types.
type decimalColumn struct{ width, scale int }

// decimalColumns describes each column of the table, in order.
func decimalColumns(ctx context.Context, conn *sql.Conn, schema, name string) ([]decimalColumn, error) {
	ref := QuoteIdent(name)
	if schema != "" {
		ref = QuoteIdent(schema) + "." + ref
	}
	q := "SELECT * FROM " + ref + " LIMIT 0"
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, wrap(ctx, q, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, wrap(ctx, q, err)
	}
	cols := make([]decimalColumn, len(types))
	for i, t := range types {
		tn := strings.ToUpper(t.DatabaseTypeName())
		if !strings.HasPrefix(tn, "DECIMAL") {
			continue
		}
		cols[i] = decimalColumn{18, 3} // DuckDB's DECIMAL without arguments
		if open, comma := strings.IndexByte(tn, '('), strings.IndexByte(tn, ','); open >= 0 && comma > open {
			w, errW := strconv.Atoi(strings.TrimSpace(tn[open+1 : comma]))
			s, errS := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(tn[comma+1:], ")")))
			if errW != nil || errS != nil || w <= 0 {
				return nil, fmt.Errorf("duckdb: column %q: unreadable type %q", t.Name(), tn)
			}
			cols[i] = decimalColumn{w, s}
		}
	}
	return cols, rows.Err()
}

var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

var errDecimalRange = errors.New("decimal out of range")

// value converts v to the unscaled integer the driver stores for the column,
// checking that it fits the column's precision. Values of types it does not
// know (such as the driver's own Decimal) pass through untouched.
func (c decimalColumn) value(v any) (any, error) {
	u, ok, err := unscaled(v, c.scale)
	if !ok {
		return v, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%v: %w", v, err)
	}
	if c.width < len(pow10) && (u >= pow10[c.width] || u <= -pow10[c.width]) {
		return nil, fmt.Errorf("%v does not fit DECIMAL(%d,%d)", v, c.width, c.scale)
	}
	return u, nil
}

// unscaled converts v to an integer at scale (v × 10^scale, rounded). ok is
// false if v is not a number type it converts.
func unscaled(v any, scale int) (u int64, ok bool, err error) {
	var i int64
	switch x := v.(type) {
	case Decimal:
		if scale < 0 || scale >= len(pow10) {
			return 0, true, errDecimalRange
		}
		u, err = rescale(x.Value, int(x.Scale), scale)
		return u, true, err
	case float64:
		u, err = floatDecimal(x, scale)
		return u, true, err
	case float32:
		u, err = floatDecimal(float64(x), scale)
		return u, true, err
	case int64:
		i = x
	case int:
		i = int64(x)
	case int32:
		i = int64(x)
	case int16:
		i = int64(x)
	case int8:
		i = int64(x)
	case uint32:
		i = int64(x)
	case uint16:
		i = int64(x)
	case uint8:
		i = int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return 0, true, errDecimalRange
		}
		i = int64(x)
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, true, errDecimalRange
		}
		i = int64(x)
	default:
		return 0, false, nil
	}
	if scale < 0 || scale >= len(pow10) {
		return 0, true, errDecimalRange
	}
	u, err = rescale(i, 0, scale)
	return u, true, err
}

func rescale(value int64, from, to int) (int64, error) {
	switch {
	case from == to:
		return value, nil
	case from < to:
		if to-from >= len(pow10) {
			return 0, errDecimalRange
		}
		m := pow10[to-from]
		if value > math.MaxInt64/m || value < math.MinInt64/m {
			return 0, errDecimalRange
		}
		return value * m, nil
	default:
		if from-to >= len(pow10) {
			return 0, nil
		}
		m := pow10[from-to]
		q, r := value/m, value%m
		if r >= (m+1)/2 {
			q++
		} else if r <= -(m+1)/2 {
			q--
		}
		return q, nil
	}
}

func floatDecimal(f float64, scale int) (int64, error) {
	if scale < 0 || scale >= len(pow10) {
		return 0, errDecimalRange
	}
	r := math.Round(f * float64(pow10[scale]))
	if math.IsNaN(r) || r >= math.MaxInt64 || r < math.MinInt64 {
		return 0, errDecimalRange
	}
	return int64(r), nil
}

// Deterministic parquet layout written by CopyToParquet.
const (
	parquetCompression  = "zstd"
	parquetRowGroupSize = 122880
)

// copyMu serializes CopyToParquet calls that lower DuckDB's (database-wide)
// thread count against every other copy, so that no copy ever runs while
// another one is restoring a higher count.
var copyMu sync.RWMutex

// CopyToParquet writes the result of query (a SELECT, or anything COPY accepts
// in parentheses) to a parquet file at path, zstd-compressed, in row groups of
// 122,880 rows. Put an ORDER BY in query unless its scan order is already
// defined (see CopyTableToParquet).
//
// The output is byte-identical from run to run for the same data: the copy
// runs with one DuckDB thread and insertion order preserved. DuckDB's thread
// count is a database-wide setting, so while a copy runs on a DB opened with
// more threads, other queries on that DB also run single-threaded; the
// previous count is restored afterwards.
func (d *DB) CopyToParquet(ctx context.Context, query, path string) error {
	q := fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE %d)",
		query, QuoteString(path), parquetCompression, parquetRowGroupSize)
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return wrap(ctx, q, err)
	}
	defer conn.Close()

	copyMu.RLock()
	ok, err := deterministicSettings(ctx, conn)
	if err != nil {
		copyMu.RUnlock()
		return err
	}
	if ok {
		defer copyMu.RUnlock()
		return execCopy(ctx, conn, q)
	}
	copyMu.RUnlock()

	copyMu.Lock()
	defer copyMu.Unlock()
	threads, err := setting(ctx, conn, "threads")
	if err != nil {
		return err
	}
	order, err := setting(ctx, conn, "preserve_insertion_order")
	if err != nil {
		return err
	}
	for _, set := range []string{"SET threads = 1", "SET preserve_insertion_order = true"} {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			return wrap(ctx, set, err)
		}
	}
	defer func() {
		// Restore even when ctx is done.
		bg := context.Background()
		_, _ = conn.ExecContext(bg, "SET threads = "+threads)
		_, _ = conn.ExecContext(bg, "SET preserve_insertion_order = "+order)
	}()
	return execCopy(ctx, conn, q)
}

// CopyTableToParquet writes table ("name" or "schema.name", unquoted) to path
// like CopyToParquet. With orderBy columns the rows are sorted by them;
// without, they are written in the table's insertion order, which a
// single-threaded scan preserves (cheaper than sorting a table that was
// loaded in order).
func (d *DB) CopyTableToParquet(ctx context.Context, table, path string, orderBy ...string) error {
	schema, name := splitTable(table)
	q := "SELECT * FROM " + QuoteIdent(name)
	if schema != "" {
		q = "SELECT * FROM " + QuoteIdent(schema) + "." + QuoteIdent(name)
	}
	if len(orderBy) > 0 {
		cols := make([]string, len(orderBy))
		for i, c := range orderBy {
			cols[i] = QuoteIdent(c)
		}
		q += " ORDER BY " + strings.Join(cols, ", ")
	}
	return d.CopyToParquet(ctx, q, path)
}

func execCopy(ctx context.Context, conn *sql.Conn, q string) error {
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return wrap(ctx, q, err)
	}
	return nil
}

// deterministicSettings reports whether a copy on conn would already run with
// one thread and insertion order preserved.
func deterministicSettings(ctx context.Context, conn *sql.Conn) (bool, error) {
	threads, err := setting(ctx, conn, "threads")
	if err != nil {
		return false, err
	}
	order, err := setting(ctx, conn, "preserve_insertion_order")
	if err != nil {
		return false, err
	}
	return threads == "1" && order == "true", nil
}

// setting returns a DuckDB setting's current value as text.
func setting(ctx context.Context, conn *sql.Conn, name string) (string, error) {
	q := "SELECT current_setting(" + QuoteString(name) + ")::VARCHAR"
	var v string
	if err := conn.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return "", wrap(ctx, q, err)
	}
	return v, nil
}
