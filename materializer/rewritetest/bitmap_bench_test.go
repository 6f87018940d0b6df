package rewritetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// regionRollup is the month rollup the distinct-count benchmark reads: exact
// distinct customers kept per region, segment and month, as one bitmap each.
const regionRollup = `
  - name: txn_monthly_region
    metrics: [active_customers]
    dimensions: [branches.region, customers.segment]
    time: { field: transactions.txn_time, grain: month }
`

// bitmapBench is the warehouse of BenchmarkDistinctBitmap, opened once.
var bitmapBench struct {
	w      *service.Project
	data   string
	table  string
	rows   int64
	build  time.Duration
	n      int
	opened bool
	// listBuilt: the LIST-form copy of the groups exists (list-merge).
	listBuilt bool
	listBuild time.Duration
}

// bitmapWarehouse opens the bank model plus regionRollup over n transactions
// (STRATA_BENCH_TXNS) in <repo>/.strata/bench/bitmap-<n>/. The data is the
// directory STRATA_BENCH_DATA names when set (bank data generated with
// `go run ./examples/bank/generate -transactions N -seed 1`, shared between
// checkouts), else generated there once. Only the benchmark's rollup is built.
func bitmapWarehouse(b *testing.B) {
	b.Helper()
	n := benchTransactions(b)
	if bitmapBench.opened {
		if bitmapBench.n != n {
			b.Fatal("STRATA_BENCH_TXNS changed within one run")
		}
		return
	}
	dir := filepath.Join(repoRoot(), ".strata", "bench", fmt.Sprintf("bitmap-%d", n))
	if err := banktest.CopyModel(dir); err != nil {
		b.Fatal(err)
	}
	// The model's files are merged, so the rollup goes in a file of its own.
	if err := os.WriteFile(filepath.Join(dir, "models", "bench_rollups.yaml"), []byte("rollups:"+regionRollup), 0o644); err != nil {
		b.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if shared := os.Getenv("STRATA_BENCH_DATA"); shared != "" {
		_ = os.RemoveAll(data)
		if err := os.Symlink(shared, data); err != nil {
			b.Fatal(err)
		}
	} else if _, err := os.Stat(filepath.Join(data, ".complete")); err != nil {
		if _, err := bankgen.Generate(context.Background(), data, bankgen.Options{Transactions: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, ".complete"), []byte("seed 1\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		b.Fatalf("load %s: %s", dir, diags.Format(p.Sources, 10))
	}
	p.Engine.Path = filepath.Join(".strata", "bitmap.duckdb")
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		b.Fatalf("build %s: %s", dir, cdiags.Format(p.Sources, 10))
	}
	w, err := service.Open(ctx, cat, service.Options{})
	if err != nil {
		b.Fatal(err)
	}
	status := func() (string, int64, bool) {
		st, err := w.Status(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range st {
			if s.Name == "txn_monthly_region" {
				return s.Table, s.Rows, s.Fresh
			}
		}
		b.Fatal("txn_monthly_region missing from the status")
		return "", 0, false
	}
	if _, _, fresh := status(); !fresh {
		start := time.Now()
		res, err := w.Refresh(ctx, []string{"txn_monthly_region"}, nil)
		if err == nil && res[0].Err != nil {
			err = res[0].Err
		}
		if err != nil {
			b.Fatal(err)
		}
		bitmapBench.build = time.Since(start)
	}
	bitmapBench.table, bitmapBench.rows, _ = status()
	bitmapBench.w, bitmapBench.data, bitmapBench.n, bitmapBench.opened = w, data, n, true
}

// regionQuery is one distinct-count query of the benchmark with the DuckDB
// SQL a person would write for it over the raw files.
type regionQuery struct {
	name string
	q    plan.Query
	sql  func(data string) string // region[, month], count
	byGo bool                     // also merge the bitmaps in Go
}

var regionQueries = []regionQuery{
	{"by_region", plan.Query{Metrics: []string{"active_customers"}, Dimensions: []string{"branches.region"}},
		func(data string) string {
			return fmt.Sprintf(`SELECT b.region, COUNT(DISTINCT t.customer_id)
FROM read_parquet('%[1]s/transactions.parquet') t
LEFT JOIN read_parquet('%[1]s/customers.parquet') c ON t.customer_id = c.customer_id
LEFT JOIN read_parquet('%[1]s/branches.parquet') b ON c.branch_id = b.branch_id
GROUP BY 1`, data)
		}, true},
	{"by_region_year", plan.Query{Metrics: []string{"active_customers"}, Dimensions: []string{"branches.region", "transactions.txn_time.year"}},
		func(data string) string {
			return fmt.Sprintf(`SELECT b.region, CAST(date_trunc('year', (t.txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') AS DATE), COUNT(DISTINCT t.customer_id)
FROM read_parquet('%[1]s/transactions.parquet') t
LEFT JOIN read_parquet('%[1]s/customers.parquet') c ON t.customer_id = c.customer_id
LEFT JOIN read_parquet('%[1]s/branches.parquet') b ON c.branch_id = b.branch_id
GROUP BY 1, 2`, data)
		}, false},
}

// BenchmarkDistinctBitmap times exact distinct customers by region from a
// month rollup holding one roaring bitmap per region, segment and month
// (txn_monthly_region), three ways in one run: the rollup as the service
// serves it (the union in DuckDB by the bitmap functions), the raw path
// (no_rollup), and DuckDB running hand-written COUNT(DISTINCT) SQL over the
// raw files. For by_region it also times the alternative merge in Go: read
// the group's bitmaps and union them with roaring64.FastOr. Every path's
// counts are checked equal before timing. Medians of per-run wall time.
func BenchmarkDistinctBitmap(b *testing.B) {
	bitmapWarehouse(b)
	w := bitmapBench.w
	ctx := context.Background()
	var summary strings.Builder
	for _, c := range regionQueries {
		var rollupMS, rawMS, sqlMS, goMS, udfMS, listMS float64
		b.Run(c.name+"/rollup", func(b *testing.B) {
			checkSame(b, w, c.name, "txn_monthly_region", c.q)
			got, err := w.Query(ctx, &c.q)
			if err != nil {
				b.Fatal(err)
			}
			hand, err := w.Engine.Query(ctx, c.sql(bitmapBench.data))
			if err != nil {
				b.Fatal(err)
			}
			if a, h := countsOf(got.Rows), countsOf(hand.Rows); a != h {
				b.Fatalf("%s: rollup counts differ from the hand-written SQL:\n%s\nvs\n%s", c.name, a, h)
			}
			rollupMS = banktest.Median(durationsMS(timeQuery(b, w, c.q)))
			b.ReportMetric(rollupMS, "p50-ms")
		})
		raw := c.q
		raw.NoRollup = true
		b.Run(c.name+"/raw", func(b *testing.B) {
			rawMS = banktest.Median(durationsMS(timeQuery(b, w, raw)))
			b.ReportMetric(rawMS, "p50-ms")
		})
		b.Run(c.name+"/duckdb-sql", func(b *testing.B) {
			q := c.sql(bitmapBench.data)
			var ds []time.Duration
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if _, err := w.Engine.Query(ctx, q); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			sqlMS = banktest.Median(durationsMS(ds))
			b.ReportMetric(sqlMS, "p50-ms")
		})
		if c.byGo {
			b.Run(c.name+"/go-merge", func(b *testing.B) {
				want, err := w.Query(ctx, &c.q)
				if err != nil {
					b.Fatal(err)
				}
				if got := countsOf(goMergeByRegion(b, w)); got != countsOf(want.Rows) {
					b.Fatalf("Go merge counts differ:\n%s\nvs\n%s", got, countsOf(want.Rows))
				}
				var ds []time.Duration
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					goMergeByRegion(b, w)
					ds = append(ds, time.Since(t0))
				}
				goMS = banktest.Median(durationsMS(ds))
				b.ReportMetric(goMS, "p50-ms")
			})
			// The same merge as the service's SQL does it, without the
			// compile and rewrite: the like-for-like baseline of go-merge.
			b.Run(c.name+"/udf-merge", func(b *testing.B) {
				q := fmt.Sprintf(`SELECT "branches.region", COALESCE(strata_bitmap_count(list("active_customers.set")), 0) FROM %s GROUP BY 1`, bitmapBench.table)
				var ds []time.Duration
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					if _, err := w.Engine.Query(ctx, q); err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(t0))
				}
				udfMS = banktest.Median(durationsMS(ds))
				b.ReportMetric(udfMS, "p50-ms")
			})
		}
		if c.byGo {
			// The form rollups had before bitmaps, for comparison: the same
			// groups' distinct customers as LISTs, merged as they were.
			b.Run(c.name+"/list-merge", func(b *testing.B) {
				listMS = listMergeByRegion(b, w)
				b.ReportMetric(listMS, "p50-ms")
			})
		}
		if rollupMS == 0 || rawMS == 0 || sqlMS == 0 {
			continue
		}
		fmt.Fprintf(&summary, "  %-15s rollup %8.2f ms  raw %8.1f ms  duckdb-sql %8.1f ms  raw/rollup %6.1fx  duckdb-sql/rollup %6.1fx",
			c.name, rollupMS, rawMS, sqlMS, rawMS/rollupMS, sqlMS/rollupMS)
		if goMS > 0 {
			fmt.Fprintf(&summary, "  merge only: go %6.2f ms, duckdb udf %6.2f ms, lists %6.1f ms", goMS, udfMS, listMS)
		}
		summary.WriteByte('\n')
	}
	fmt.Printf("BenchmarkDistinctBitmap: %d transactions; txn_monthly_region %d rows (built in %s this run; 0s: reused; the LIST copy in %s)\n%s",
		bitmapBench.n, bitmapBench.rows, bitmapBench.build.Round(time.Millisecond), bitmapBench.listBuild.Round(time.Millisecond), summary.String())
}

// goMergeByRegion is the Go-side merge: the rollup's bitmaps read as they
// are stored and unioned per region in Go.
func goMergeByRegion(b *testing.B, w *service.Project) [][]any {
	res, err := w.Engine.Query(context.Background(), fmt.Sprintf(`SELECT "branches.region", "active_customers.set" FROM %s`, bitmapBench.table))
	if err != nil {
		b.Fatal(err)
	}
	groups := map[any][]*roaring64.Bitmap{}
	for _, r := range res.Rows {
		if r[1] == nil {
			groups[r[0]] = append(groups[r[0]], roaring64.New())
			continue
		}
		bm := roaring64.New()
		if _, err := bm.FromUnsafeBytes(r[1].([]byte)); err != nil {
			b.Fatal(err)
		}
		groups[r[0]] = append(groups[r[0]], bm)
	}
	var out [][]any
	for k, bms := range groups {
		out = append(out, []any{k, int64(roaring64.FastOr(bms...).GetCardinality())})
	}
	return out
}

// listMergeByRegion stores the rollup's groups with LIST sets (once per
// process; the build is not timed) and times merging them by region with
// list_distinct(flatten(list(…))), checking the counts against the bitmaps'.
func listMergeByRegion(b *testing.B, w *service.Project) float64 {
	ctx := context.Background()
	if !bitmapBench.listBuilt {
		q := fmt.Sprintf(`CREATE OR REPLACE TABLE bench_region_lists AS
SELECT b.region, c.segment, date_trunc('month', (t.txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') AS m,
  list(DISTINCT t.customer_id) FILTER (WHERE t.customer_id IS NOT NULL) AS s
FROM read_parquet('%[1]s/transactions.parquet') t
LEFT JOIN read_parquet('%[1]s/customers.parquet') c ON t.customer_id = c.customer_id
LEFT JOIN read_parquet('%[1]s/branches.parquet') b ON c.branch_id = b.branch_id
GROUP BY 1, 2, 3`, bitmapBench.data)
		t0 := time.Now()
		if err := w.Engine.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
		bitmapBench.listBuild = time.Since(t0)
		bitmapBench.listBuilt = true
	}
	q := `SELECT region, COALESCE(length(list_distinct(flatten(list(s)))), 0) FROM bench_region_lists GROUP BY 1`
	got, err := w.Engine.Query(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	if g, want := countsOf(got.Rows), countsOf(goMergeByRegion(b, w)); g != want {
		b.Fatalf("list merge counts differ:\n%s\nvs\n%s", g, want)
	}
	var ds []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := w.Engine.Query(ctx, q); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	return banktest.Median(durationsMS(ds))
}

// countsOf renders rows of (group..., count) sorted, for comparing paths.
func countsOf(rows [][]any) string {
	var lines []string
	for _, r := range rows {
		var cells []string
		for _, v := range r {
			if t, ok := v.(time.Time); ok {
				v = t.Format("2006-01-02")
			}
			cells = append(cells, fmt.Sprint(v))
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
