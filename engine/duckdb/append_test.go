package duckdb

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine"
)

func openTest(t testing.TB, threads int) *DB {
	t.Helper()
	db, err := Open("", threads)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t testing.TB, db *DB, q string) {
	t.Helper()
	if err := db.Exec(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

func TestAppendTypes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, 2)
	mustExec(t, db, `CREATE TABLE t (id BIGINT, n INTEGER, amt DECIMAL(18,2), big DECIMAL(38,4), s VARCHAR, d DATE, ts TIMESTAMP, b BOOLEAN)`)
	day := time.Date(1950, 3, 15, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 1, 31, 20, 15, 7, 0, time.UTC)
	err := db.Append(ctx, "t", func(row func(...any) error) error {
		if err := row(int64(1), int32(7), Decimal{Value: 12345, Scale: 2}, Decimal{Value: -5, Scale: 1}, "it's", day, ts, true); err != nil {
			return err
		}
		if err := row(int64(2), 8, 19.99, 3, nil, nil, nil, false); err != nil {
			return err
		}
		return row(int64(3), int32(9), Decimal{Value: 1005, Scale: 3}, int64(-2), "x", day, ts, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, `SELECT id, n, amt::VARCHAR, big::VARCHAR, s, d::VARCHAR, ts::VARCHAR, b FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{int64(1), int64(7), "123.45", "-0.5000", "it's", "1950-03-15", "2024-01-31 20:15:07", true},
		{int64(2), int64(8), "19.99", "3.0000", nil, nil, nil, false},
		{int64(3), int64(9), "1.01", "-2.0000", "x", "1950-03-15", "2024-01-31 20:15:07", nil},
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(res.Rows), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if res.Rows[i][j] != want[i][j] {
				t.Errorf("row %d col %d = %#v, want %#v", i, j, res.Rows[i][j], want[i][j])
			}
		}
	}
}

func TestAppendSchemaQualified(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, 1)
	mustExec(t, db, `CREATE SCHEMA s; CREATE TABLE s.t (a INTEGER)`)
	if err := db.Append(ctx, "s.t", func(row func(...any) error) error { return row(int32(5)) }); err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, `SELECT count(*) FROM s.t`)
	if err != nil || res.Rows[0][0].(int64) != 1 {
		t.Fatalf("res %v err %v", res, err)
	}
}

func countRows(t *testing.T, db *DB, table string) int64 {
	t.Helper()
	res, err := db.Query(context.Background(), "SELECT count(*) FROM "+QuoteIdent(table))
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows[0][0].(int64)
}

func TestAppendAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, 2)
	mustExec(t, db, `CREATE TABLE t (a BIGINT, b VARCHAR)`)

	// Enough rows that DuckDB has flushed appended data into the table before
	// the failure: the rollback must discard it too.
	boom := errors.New("boom")
	err := db.Append(ctx, "t", func(row func(...any) error) error {
		for i := range 400000 {
			if err := row(int64(i), "v"); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if n := countRows(t, db, "t"); n != 0 {
		t.Fatalf("%d rows survived a failed append", n)
	}

	// A bad row (wrong arity, then wrong type) fails the whole load too.
	err = db.Append(ctx, "t", func(row func(...any) error) error {
		if err := row(int64(1), "ok"); err != nil {
			return err
		}
		return row(int64(2))
	})
	if err == nil {
		t.Fatal("short row accepted")
	}
	err = db.Append(ctx, "t", func(row func(...any) error) error {
		return row("not a number", "x")
	})
	if err == nil {
		t.Fatal("string accepted for BIGINT")
	}
	if n := countRows(t, db, "t"); n != 0 {
		t.Fatalf("%d rows survived failed appends", n)
	}

	// The connection is usable afterwards and a good load commits.
	if err := db.Append(ctx, "t", func(row func(...any) error) error { return row(int64(1), "ok") }); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "t"); n != 1 {
		t.Fatalf("got %d rows, want 1", n)
	}

	// A constraint DuckDB enforces when the appender flushes.
	mustExec(t, db, `CREATE TABLE pk (a BIGINT PRIMARY KEY)`)
	err = db.Append(ctx, "pk", func(row func(...any) error) error {
		for _, v := range []int64{1, 2, 2} {
			if err := row(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		t.Fatal("duplicate key accepted")
	}
	t.Logf("duplicate key: %v", err)
	if n := countRows(t, db, "pk"); n != 0 {
		t.Fatalf("%d rows survived a failed append", n)
	}
	if err := db.Append(ctx, "pk", func(row func(...any) error) error { return row(int64(1)) }); err != nil {
		t.Fatal(err)
	}

	if err := db.Append(ctx, "missing", func(row func(...any) error) error { return nil }); err == nil {
		t.Fatal("append to a missing table succeeded")
	}
}

func TestAppendCanceled(t *testing.T) {
	db := openTest(t, 2)
	mustExec(t, db, `CREATE TABLE t (a BIGINT)`)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.Append(ctx, "t", func(row func(...any) error) error {
		for i := range 100000 {
			if i == 10000 {
				cancel()
			}
			if err := row(int64(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, engine.ErrCanceled) {
		t.Fatalf("err = %v, want ErrCanceled", err)
	}
	if n := countRows(t, db, "t"); n != 0 {
		t.Fatalf("%d rows survived a canceled append", n)
	}
}

func TestDecimalRescale(t *testing.T) {
	cases := []struct {
		in    any
		scale int
		want  int64
	}{
		{Decimal{12345, 2}, 2, 12345},
		{Decimal{12345, 3}, 2, 1235},
		{Decimal{-12345, 3}, 2, -1235},
		{Decimal{-12344, 3}, 2, -1234},
		{Decimal{5, 0}, 2, 500},
		{int64(7), 2, 700},
		{-0.015, 2, -2},
		{19.99, 2, 1999},
	}
	for _, c := range cases {
		got, err := decimalColumn{18, c.scale}.value(c.in)
		if err != nil || got != c.want {
			t.Errorf("value(%v) at scale %d = %v, %v; want %d", c.in, c.scale, got, err, c.want)
		}
	}
	for _, bad := range []any{int64(1) << 62, int64(1e16), 1e17, Decimal{1e18, 1}} {
		if _, err := (decimalColumn{18, 2}).value(bad); err == nil {
			t.Errorf("%v accepted for DECIMAL(18,2)", bad)
		}
	}
	if _, err := (decimalColumn{5, 2}).value(1000); err == nil {
		t.Error("1000 accepted for DECIMAL(5,2)")
	}
	if v, err := (decimalColumn{5, 2}).value(999.99); v != int64(99999) || err != nil {
		t.Errorf("999.99 for DECIMAL(5,2) = %v, %v", v, err)
	}
	if v, err := (decimalColumn{18, 2}).value("1.5"); v != "1.5" || err != nil {
		t.Errorf("a string is passed through, got %v, %v", v, err)
	}
	if s := (Decimal{-5, 2}).String(); s != "-0.05" {
		t.Errorf("String = %q", s)
	}
}

func TestCopyToParquetDeterministic(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string) []byte {
		db := openTest(t, 4)
		mustExec(t, db, `CREATE TABLE t (id BIGINT, v VARCHAR, amt DECIMAL(18,2))`)
		err := db.Append(ctx, "t", func(row func(...any) error) error {
			for i := range 300000 {
				if err := row(int64(i), string(rune('a'+i%26)), Decimal{int64(i * 7 % 100003), 2}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "it's "+name+".parquet")
		if err := db.CopyTableToParquet(ctx, "t", path); err != nil {
			t.Fatal(err)
		}
		// The database-wide thread count is back to what Open asked for.
		res, err := db.Query(ctx, `SELECT current_setting('threads')::BIGINT`)
		if err != nil || res.Rows[0][0].(int64) != 4 {
			t.Fatalf("threads after copy: %v %v", res, err)
		}
		res, err = db.Query(ctx, "SELECT count(*), min(id), max(id), sum(amt)::VARCHAR FROM read_parquet("+QuoteString(path)+")")
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Rows[0]; r[0].(int64) != 300000 || r[1].(int64) != 0 || r[2].(int64) != 299999 {
			t.Fatalf("read back %v", r)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := write("a"), write("b")
	if !bytes.Equal(a, b) {
		t.Fatalf("two copies of the same data differ (%d vs %d bytes)", len(a), len(b))
	}

	db := openTest(t, 2)
	path := filepath.Join(dir, "q.parquet")
	if err := db.CopyToParquet(ctx, "SELECT range AS id FROM range(10) ORDER BY id DESC", path); err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(ctx, "SELECT list(id)::VARCHAR FROM read_parquet("+QuoteString(path)+")")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Rows[0][0].(string); got != "[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]" {
		t.Fatalf("got %s", got)
	}
}

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	db := openTest(b, 2)
	mustExec(b, db, `CREATE TABLE t (id BIGINT, c BIGINT, ch INTEGER, amt DECIMAL(18,2), s VARCHAR, ts TIMESTAMP, d DATE)`)
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	err := db.Append(ctx, "t", func(row func(...any) error) error {
		for i := range b.N {
			if err := row(int64(i), int64(i/3), int32(i%5), Decimal{int64(i), 2}, "posted", ts, ts); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
