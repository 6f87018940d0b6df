package rewritetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// BenchmarkIncrementalRefresh measures, on the bank over
// STRATA_BENCH_TXNS transactions (default 1,000,000) over
// STRATA_BENCH_MONTHS months (default 24: two years, 2024-01 to 2025-12)
// stored as a hive directory of daily parquet files
// (data/transactions/dt=*/), the day
// rollup's full build, its incremental refresh after one new day of files
// lands, and a query over all history right after the append, served by the
// rollup and its tail, against the same query on the raw tables. Reported:
// full_ms, incremental_ms and their ratio (target ≤ 0.10); tail_ms, raw_ms
// and their ratio (target ≤ 0.10) for sums, counts and a distinct count,
// and the same for the sums and counts alone. STRATA_BENCH_PARTITION
// overrides txn_daily's partition grain (month in the example);
// STRATA_BENCH_CACHE names a directory where the generated lake is kept for
// later runs (e.g. $HOME/.cache/strata-bench). Run: go test ./materializer/rewritetest
// -run '^$' -bench IncrementalRefresh -benchtime 1x.
func BenchmarkIncrementalRefresh(b *testing.B) {
	ctx := context.Background()
	n := benchTransactions(b)
	months := benchMonths(b)
	dir := filepath.Join(b.TempDir(), "lake")
	if err := banktest.CopyModel(dir); err != nil {
		b.Fatal(err)
	}
	db, err := duckdb.Open("", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		b.Helper()
		if err := db.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	lakeData := cachedLake(b, db, n, months)
	data := filepath.Join(dir, "data")
	if err := linkTree(lakeData, data); err != nil {
		b.Fatal(err)
	}
	lake := filepath.Join(data, "transactions")
	lastDay := filepath.Join(data, "last_day.parquet")
	phys := filepath.Join(dir, "models", "physical.yaml")
	text, err := os.ReadFile(phys)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(phys, []byte(strings.Replace(string(text), "source: data/transactions.parquet", "source: data/transactions/dt=*/", 1)), 0o644); err != nil {
		b.Fatal(err)
	}
	if part := os.Getenv("STRATA_BENCH_PARTITION"); part != "" {
		rp := filepath.Join(dir, "models", "rollups.yaml")
		text, err := os.ReadFile(rp)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(rp, []byte(strings.Replace(string(text), "partition: month", "partition: "+part, 1)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	refresh := func() time.Duration {
		b.Helper()
		start := time.Now()
		out, err := w.Refresh(ctx, []string{"txn_daily"}, nil)
		if err != nil || out[0].Err != nil {
			b.Fatalf("refresh: %v %v", err, out[0].Err)
		}
		return time.Since(start)
	}
	full := refresh()
	exec(fmt.Sprintf("COPY (SELECT * FROM read_parquet(%s) ORDER BY txn_time) TO %s (FORMAT parquet, PARTITION_BY (dt), APPEND)", duckdb.QuoteString(lastDay), duckdb.QuoteString(lake)))

	q := allHistory
	raw := q
	raw.NoRollup = true
	tail := medianQuery(b, w, &q, "txn_daily+tail", 5)
	rawT := medianQuery(b, w, &raw, "raw", 5)
	// The same over additive metrics only: no distinct sets to merge.
	add := plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: allHistory.Dimensions}
	addRaw := add
	addRaw.NoRollup = true
	addTail := medianQuery(b, w, &add, "txn_daily+tail", 5)
	addRawT := medianQuery(b, w, &addRaw, "raw", 5)
	incr := refresh()
	if got := servedBy(b, w, &q); got != "txn_daily" {
		b.Fatalf("after the incremental refresh: served by %s", got)
	}
	b.ReportMetric(float64(full.Milliseconds()), "full_ms")
	b.ReportMetric(float64(incr.Milliseconds()), "incremental_ms")
	b.ReportMetric(float64(incr)/float64(full), "incremental/full")
	b.ReportMetric(float64(tail.Microseconds())/1000, "tail_ms")
	b.ReportMetric(float64(rawT.Microseconds())/1000, "raw_ms")
	b.ReportMetric(float64(tail)/float64(rawT), "tail/raw")
	b.ReportMetric(float64(addTail.Microseconds())/1000, "additive_tail_ms")
	b.ReportMetric(float64(addRawT.Microseconds())/1000, "additive_raw_ms")
	b.ReportMetric(float64(addTail)/float64(addRawT), "additive_tail/raw")
}

func servedBy(b *testing.B, w *service.Project, q *plan.Query) string {
	b.Helper()
	res, err := w.Query(context.Background(), q)
	if err != nil {
		b.Fatal(err)
	}
	return res.Meta.ServedBy
}

// medianQuery runs the query k times (after one warm-up) and returns the median
// time, checking what served it.
func medianQuery(b *testing.B, w *service.Project, q *plan.Query, want string, k int) time.Duration {
	b.Helper()
	if got := servedBy(b, w, q); got != want {
		b.Fatalf("served by %s, want %s", got, want)
	}
	var ts []time.Duration
	for range k {
		start := time.Now()
		if _, err := w.Query(context.Background(), q); err != nil {
			b.Fatal(err)
		}
		ts = append(ts, time.Since(start))
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts[k/2]
}

// benchMonths is STRATA_BENCH_MONTHS, the span of the generated facts in
// months from 2024-01 (default 24).
func benchMonths(b *testing.B) int {
	s := os.Getenv("STRATA_BENCH_MONTHS")
	if s == "" {
		return 24
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > bankgen.MaxMonths {
		b.Fatalf("STRATA_BENCH_MONTHS=%q: want a number of months from 1 to %d", s, bankgen.MaxMonths)
	}
	return v
}

// cachedLake returns a directory holding the bank's data over n
// transactions and months months with the transactions as a hive directory of daily files
// (transactions/dt=*/) without the last day, which is kept apart in
// last_day.parquet for the benchmark to append. It is built once, under
// STRATA_BENCH_CACHE (default: the test's temporary directory), and named by
// generator, size, span and seed so that runs and other benchmarks share it; its
// files are never written once it is complete. STRATA_BENCH_DATA may name
// bank data of that size and span generated with seed 1, to split instead of
// generating it again.
func cachedLake(b *testing.B, db *duckdb.DB, n, months int) string {
	b.Helper()
	ctx := context.Background()
	root := os.Getenv("STRATA_BENCH_CACHE")
	if root == "" {
		root = b.TempDir()
	}
	dir := filepath.Join(root, fmt.Sprintf("bankgen-lake-t%d-m%d-s1", n, months))
	marker := filepath.Join(dir, ".complete")
	if _, err := os.Stat(marker); err == nil {
		return dir
	}
	_ = os.RemoveAll(dir)
	start := time.Now()
	orig := filepath.Join(dir, "transactions.parquet")
	if shared := os.Getenv("STRATA_BENCH_DATA"); shared != "" {
		// Bank data of the same size and seed, generated by another
		// benchmark: its files are linked, its transactions split by day.
		if err := linkTree(shared, dir); err != nil {
			b.Fatal(err)
		}
		_ = os.Remove(marker) // complete only once split, below
	} else if _, err := bankgen.Generate(ctx, dir, bankgen.Options{Transactions: n, Months: months, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	lake := filepath.Join(dir, "transactions")
	for _, q := range []string{
		fmt.Sprintf("CREATE OR REPLACE TEMP TABLE txn AS SELECT *, CAST(txn_time AS DATE) AS dt FROM read_parquet(%s)", duckdb.QuoteString(orig)),
		fmt.Sprintf("COPY (SELECT * FROM txn WHERE dt < (SELECT MAX(dt) FROM txn) ORDER BY txn_time) TO %s (FORMAT parquet, PARTITION_BY (dt))", duckdb.QuoteString(lake)),
		fmt.Sprintf("COPY (SELECT * FROM txn WHERE dt = (SELECT MAX(dt) FROM txn)) TO %s (FORMAT parquet)", duckdb.QuoteString(filepath.Join(dir, "last_day.parquet"))),
		"DROP TABLE txn",
	} {
		if err := db.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.Remove(orig); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte(fmt.Sprintf("bankgen seed 1, %d months\n", months)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d transactions as a daily lake in %s in %s", n, dir, time.Since(start).Round(time.Millisecond))
	return dir
}

// linkTree recreates src's files under dst as hard links (copies across
// file systems): the benchmark only adds files to its copy.
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if err := os.Link(path, to); err == nil {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
}
