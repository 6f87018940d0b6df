package duckdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// TestBitmapFunctions builds per-group bitmaps from generated keys (negative,
// beyond 32 bits, NULL, duplicated), merges them as a rollup read does, and
// compares every answer with DuckDB's COUNT(DISTINCT) and DISTINCT over the
// raw keys, on a pool of several connections (the functions are database-wide).
func TestBitmapFunctions(t *testing.T) {
	db, err := Open("", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SQLDB().SetMaxOpenConns(4)
	ctx := context.Background()
	setup := `CREATE TABLE raw AS
SELECT i % 7 AS g, i % 3 AS h,
  CASE WHEN i % 11 = 0 THEN NULL WHEN i % 5 = 0 THEN -(i * 7919) % 100003 WHEN i % 13 = 0 THEN 5000000000 + i % 17 ELSE (i * 7919) % 100003 END AS k
FROM range(200000) t(i)`
	if err := db.Exec(ctx, setup); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(ctx, `CREATE TABLE sets AS SELECT g, h, strata_bitmap_build(list(k) FILTER (WHERE k IS NOT NULL)) AS s FROM raw GROUP BY g, h`); err != nil {
		t.Fatal(err)
	}
	check := func(name, got, want string) {
		t.Helper()
		q := fmt.Sprintf(`SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) UNION ALL SELECT count(*) FROM ((%s) EXCEPT ALL (%s))`, got, want, want, got)
		res, err := db.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Rows[0][0].(int64) != 0 || res.Rows[1][0].(int64) != 0 {
			t.Errorf("%s: rollup answer differs from raw (%v extra, %v missing)", name, res.Rows[0][0], res.Rows[1][0])
		}
	}
	check("count by g",
		`SELECT g, strata_bitmap_count(list(s)) FROM sets GROUP BY g`,
		`SELECT g, COUNT(DISTINCT k) FROM raw GROUP BY g`)
	check("count overall",
		`SELECT strata_bitmap_count(list(s)) FROM sets`,
		`SELECT COUNT(DISTINCT k) FROM raw`)
	check("union then count",
		`SELECT h, strata_bitmap_count(list(u)) FROM (SELECT h, g % 2 AS p, strata_bitmap_union(list(s)) AS u FROM sets GROUP BY h, p) GROUP BY h`,
		`SELECT h, COUNT(DISTINCT k) FROM raw GROUP BY h`)

	// A group of NULL keys only has no bitmap; its count is NULL (the writer
	// reads it as 0), and the empty list counts 0.
	res, err := db.Query(ctx, `SELECT strata_bitmap_build(list(NULL::BIGINT) FILTER (WHERE false)), strata_bitmap_count([]::BLOB[]), strata_bitmap_count([NULL::BLOB])`)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0] != nil || res.Rows[0][1].(int64) != 0 || res.Rows[0][2].(int64) != 0 {
		t.Errorf("empty groups: got %v", res.Rows[0])
	}

	// The stored BLOB is the portable roaring64 format: a Go reader gets the keys.
	res, err = db.Query(ctx, `SELECT strata_bitmap_build([3, -1, 3, 5000000000])`)
	if err != nil {
		t.Fatal(err)
	}
	bm := roaring64.New()
	if err := bm.UnmarshalBinary(res.Rows[0][0].([]byte)); err != nil {
		t.Fatal(err)
	}
	neg := int64(-1)
	if bm.GetCardinality() != 3 || !bm.Contains(3) || !bm.Contains(uint64(neg)) || !bm.Contains(5000000000) {
		t.Errorf("portable bitmap holds %v", bm.ToArray())
	}

	// Connections opened after the first see the functions too.
	c1, err := db.SQLDB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := db.SQLDB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var n int64
	if err := c2.QueryRowContext(ctx, `SELECT strata_bitmap_count([strata_bitmap_build([1, 2, 2])])`).Scan(&n); err != nil || n != 2 {
		t.Errorf("on a new connection: %d, %v", n, err)
	}

	// A corrupt BLOB is an error, not a panic or a wrong count.
	if _, err := db.Query(ctx, `SELECT strata_bitmap_count(['\x01\x02'::BLOB])`); err == nil {
		t.Error("a corrupt bitmap was counted")
	}
}
