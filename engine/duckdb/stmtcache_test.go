package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func scalar(t *testing.T, db *DB, q string) string {
	t.Helper()
	res, err := db.QueryPrepared(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return fmt.Sprint(res.Rows)
}

// A kept statement answers like the text run afresh whatever changed since
// it was prepared: rows written, the table replaced under the same name, a
// view re-created, the file a view reads rewritten.
func TestPreparedFollowsChanges(t *testing.T) {
	db, err := Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	file := filepath.Join(t.TempDir(), "f.parquet")
	exec(`CREATE TABLE t AS SELECT 1 AS x`)
	exec(`COPY (SELECT 10 AS y) TO ` + QuoteString(file) + ` (FORMAT parquet)`)
	exec(`CREATE VIEW v AS SELECT * FROM read_parquet(` + QuoteString(file) + `)`)
	const qt, qv = `SELECT sum(x) FROM t`, `SELECT sum(y), count(*) FROM v`
	check := func(step, q, want string) {
		t.Helper()
		for i := 0; i < 2; i++ { // prepared by the first run, kept for the second
			if got := scalar(t, db, q); got != want {
				t.Fatalf("%s, run %d: %s = %s, want %s", step, i+1, q, got, want)
			}
		}
		if db.stmts.len() == 0 {
			t.Fatalf("%s: no statement kept", step)
		}
	}
	check("initial", qt, "[[1]]")
	check("initial", qv, "[[10 1]]")

	// Writes behind the cache's back (not through Exec) are seen too.
	if _, err := db.SQLDB().ExecContext(ctx, `INSERT INTO t VALUES (5)`); err != nil {
		t.Fatal(err)
	}
	check("after an insert", qt, "[[6]]")
	if _, err := db.SQLDB().ExecContext(ctx, `CREATE OR REPLACE TABLE t AS SELECT 100 AS x`); err != nil {
		t.Fatal(err)
	}
	check("after the table was replaced", qt, "[[100]]")
	if _, err := db.SQLDB().ExecContext(ctx, `COPY (SELECT 20 AS y UNION ALL SELECT 30) TO `+QuoteString(file)+` (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	check("after the file was rewritten", qv, "[[50 2]]")

	exec(`CREATE OR REPLACE VIEW v AS SELECT y * 2 AS y FROM read_parquet(` + QuoteString(file) + `)`)
	if n := db.stmts.len(); n != 0 {
		t.Fatalf("Exec kept %d statements, want none", n)
	}
	check("after the view was re-created", qv, "[[100 2]]")
}

// A statement that cannot be prepared fails with the engine's own message,
// as Query would, and is not kept.
func TestPreparedFailure(t *testing.T) {
	db, err := Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	_, err = db.QueryPrepared(ctx, `SELECT nope FROM (SELECT 1 AS yes)`)
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("want the binder's error naming the column, got %v", err)
	}
	if db.stmts.len() != 0 {
		t.Fatalf("a failing statement was kept")
	}
}

// The cache keeps at most its bound, and statements in use when the cache
// lets go of them (eviction, Exec) finish their run.
func TestPreparedBoundAndConcurrent(t *testing.T) {
	db, err := Open("", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.stmts = newStmtCache(4)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				want := int64((g*40 + i) % 7)
				res, err := db.QueryPrepared(ctx, fmt.Sprintf(`SELECT %d::BIGINT AS v FROM range(100) LIMIT 1`, want))
				if err != nil {
					errs <- err
					return
				}
				if got := res.Rows[0][0]; got != want {
					errs <- fmt.Errorf("got %v, want %d", got, want)
					return
				}
				if i%10 == 0 {
					if err := db.Exec(ctx, `SELECT 1`); err != nil {
						errs <- err
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := db.stmts.len(); n > 4 {
		t.Fatalf("%d statements kept, bound 4", n)
	}
}
