package duckdb

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// rollupSets is one group's stored sets in the shape a day rollup read
// merges: many small sets (a day × dimension value each) of keys drawn from
// one customer range.
func rollupSets(b *testing.B, sets, keys, customers int) []any {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]any, sets)
	for i := range out {
		bm := roaring64.New()
		for range keys {
			bm.Add(uint64(r.IntN(customers)))
		}
		bm.RunOptimize()
		data, err := bm.ToBytes()
		if err != nil {
			b.Fatal(err)
		}
		out[i] = data
	}
	return out
}

// BenchmarkBitmapMerge times merging one group's stored sets — day: 2,500
// sets of 40 keys out of 200,000; month: 120 sets of 10,000 — by the
// functions' reader (count),
// their union written out as a bitmap (union), and roaring64's own reader and
// FastOr (roaring64), the way the functions merged before. Run: go test ./engine/duckdb -run '^$' -bench BitmapMerge.
func BenchmarkBitmapMerge(b *testing.B) {
	for _, shape := range []struct {
		name             string
		sets, keys, from int
	}{
		{"day", 2500, 40, 200000},     // a day rollup read by month
		{"month", 120, 10000, 200000}, // a month rollup read by region
	} {
		sets := rollupSets(b, shape.sets, shape.keys, shape.from)
		b.Run(shape.name+"/count", func(b *testing.B) {
			for range b.N {
				if _, err := countBitmaps(sets); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(shape.name+"/union", func(b *testing.B) {
			for range b.N {
				if _, err := unionBitmaps(sets); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(shape.name+"/roaring64", func(b *testing.B) {
			for range b.N {
				parts := make([]*roaring64.Bitmap, 0, len(sets))
				for _, s := range sets {
					bm := roaring64.New()
					if _, err := bm.FromUnsafeBytes(s.([]byte)); err != nil {
						b.Fatal(err)
					}
					parts = append(parts, bm)
				}
				_ = roaring64.FastOr(parts...).GetCardinality()
			}
		})
	}
}

// BenchmarkBitmapCountSQL times strata_bitmap_count(list(s)) over a table of
// 240,000 small stored sets in 96 groups (the shape of a two-year day rollup
// read by month and channel) against the same grouping with count(s) alone,
// which is what DuckDB spends without the merge.
func BenchmarkBitmapCountSQL(b *testing.B) {
	db, err := Open("", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Exec(ctx, `CREATE TABLE sets AS SELECT g % 96 AS g, strata_bitmap_build(list(k)) AS s FROM (SELECT i // 40 AS g, (i * 7919) % 200003 AS k FROM range(9600000) t(i)) GROUP BY g`); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, q string }{
		{"count", `SELECT g, strata_bitmap_count(list(s)) FROM sets GROUP BY g`},
		{"list-only", `SELECT g, length(list(s)) FROM sets GROUP BY g`},
		{"no-list", `SELECT g, count(s) FROM sets GROUP BY g`},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				if _, err := db.Query(ctx, c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
