package rewritetest

import (
	"context"
	"fmt"
	"github.com/strata-metrics/strata/internal/banktest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// benchTransactions is the benchmarks' data size: STRATA_BENCH_TXNS, default 1,000,000.
func benchTransactions(b *testing.B) int {
	n := 1_000_000
	if s := os.Getenv("STRATA_BENCH_TXNS"); s != "" {
		v, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil || v <= 0 {
			b.Fatalf("STRATA_BENCH_TXNS=%q: want a positive number of transactions", s)
		}
		n = v
	}
	return n
}

var bench struct {
	once  sync.Once
	n     int
	w     *service.Project
	build time.Duration
	err   error
}

// benchWarehouse opens the bank model over n transactions with every rollup
// built, once per process.
//
// The data set lives in <repo>/.strata/bench/bank-<n>/ (ignored by git), in
// the layout the other benchmarks share: strata.yaml and models/ copied from
// examples/bank, data/ generated with seed 1 and marked complete by
// data/.complete. The rollups are kept in .strata/rewritetest.duckdb inside it
// and rebuilt only when the model or the data changed, so they are built once,
// not on every run.
func benchWarehouse(b *testing.B) *service.Project {
	b.Helper()
	n := benchTransactions(b)
	bench.once.Do(func() {
		bench.n = n
		dir := filepath.Join(repoRoot(), ".strata", "bench", fmt.Sprintf("bank-%d", n))
		if bench.err = ensureBenchData(b, dir, n); bench.err != nil {
			return
		}
		bench.w, bench.build, bench.err = openBenchWarehouse(dir)
	})
	if bench.err != nil {
		b.Fatalf("bench data set: %v", bench.err)
	}
	if bench.n != n {
		b.Fatalf("STRATA_BENCH_TXNS changed within one run")
	}
	return bench.w
}

// ensureBenchData generates the data set unless a complete one is there. A
// generation in progress in another process (data files still growing) is
// waited for rather than raced.
func ensureBenchData(b *testing.B, dir string, n int) error {
	if err := banktest.CopyModel(dir); err != nil {
		return err
	}
	data := filepath.Join(dir, "data")
	marker := filepath.Join(data, ".complete")
	for waited := time.Duration(0); ; waited += 5 * time.Second {
		if _, err := os.Stat(marker); err == nil {
			return nil
		}
		if !recentlyWritten(data, 30*time.Second) || waited > 30*time.Minute {
			break
		}
		if waited == 0 {
			b.Logf("waiting for another process generating %s", data)
		}
		time.Sleep(5 * time.Second)
	}
	start := time.Now()
	if _, err := bankgen.Generate(context.Background(), data, bankgen.Options{Transactions: n, Seed: 1}); err != nil {
		return err
	}
	if err := os.WriteFile(marker, []byte("seed 1\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("generated %d transactions into %s in %s\n", n, data, time.Since(start).Round(time.Millisecond))
	return nil
}

// recentlyWritten reports whether a file in dir changed within d.
func recentlyWritten(dir string, d time.Duration) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) < d {
			return true
		}
	}
	return false
}

// openBenchWarehouse opens the data set with its rollups in a warehouse file
// of this package's own, building the rollups that are missing, outdated or
// stale.
func openBenchWarehouse(dir string) (*service.Project, time.Duration, error) {
	ctx := context.Background()
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		return nil, 0, fmt.Errorf("load %s: %s", dir, diags.Format(p.Sources, 10))
	}
	p.Engine.Path = filepath.Join(".strata", "rewritetest.duckdb")
	if err := os.MkdirAll(filepath.Join(dir, ".strata"), 0o755); err != nil {
		return nil, 0, err
	}
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		return nil, 0, fmt.Errorf("build %s: %s", dir, cdiags.Format(p.Sources, 10))
	}
	w, err := service.Open(ctx, cat, service.Options{})
	if err != nil {
		return nil, 0, err
	}
	status, err := w.Status(ctx)
	if err != nil {
		w.Close()
		return nil, 0, err
	}
	var todo []string
	for _, s := range status {
		if !s.Fresh {
			todo = append(todo, s.Name)
		}
	}
	if len(todo) == 0 {
		return w, 0, nil
	}
	start := time.Now()
	res, err := w.Refresh(ctx, todo, func(r materializer.RefreshResult) {
		fmt.Printf("built rollup %s: %d rows in %s\n", r.Name, r.Rows, r.Duration.Round(time.Millisecond))
	})
	if err == nil {
		for _, r := range res {
			if r.Err != nil {
				err = fmt.Errorf("refresh %s: %w", r.Name, r.Err)
			}
		}
	}
	if err != nil {
		w.Close()
		return nil, 0, err
	}
	return w, time.Since(start), nil
}

// benchQuery is a query a rollup serves, for BenchmarkRollupVsRaw.
type benchQuery struct {
	name     string
	servedBy string
	q        plan.Query
}

// rollupQueries are dashboard-style queries that the bank's rollups answer:
// every kind of measure, day/week/month/year grains, a semi-additive
// balance, period over period and a drill-across.
var rollupQueries = []benchQuery{
	{"segment_by_month", "txn_monthly_segment", plan.Query{
		Metrics: []string{"txn_amount", "txn_count", "posted_count"}, Dimensions: []string{"customers.segment", "transactions.txn_time.month"}}},
	{"channel_by_day_one_month", "txn_daily", plan.Query{
		Metrics: []string{"txn_amount", "posted_count", "reversal_rate"}, Dimensions: []string{"channels.name", "transactions.txn_time.day"},
		Where: "transactions.txn_time >= '2025-03-01' AND transactions.txn_time < '2025-04-01'"}},
	{"city_by_year_min_max_avg", "txn_daily", plan.Query{
		Metrics: []string{"txn_amount", "avg_amount", "max_txn", "min_txn"}, Dimensions: []string{"branches.city", "transactions.txn_time.year"}}},
	{"mobile_by_week_approx", "txn_daily", plan.Query{
		Metrics: []string{"txn_count", "approx_customers"}, Dimensions: []string{"transactions.txn_time.week"},
		Where: "channels.name = 'mobile' AND transactions.txn_time >= '2025-01-06' AND transactions.txn_time < '2025-04-07'"}},
	{"mom_by_month", "txn_monthly_segment", plan.Query{
		Metrics: []string{"txn_amount", "txn_amount_mom"}, Dimensions: []string{"transactions.txn_time.month"},
		Where: "transactions.txn_time >= '2025-01-01'"}},
	{"balance_by_region_month", "balance_daily", plan.Query{
		Metrics: []string{"total_balance", "opening_balance"}, Dimensions: []string{"branches.region", "balances.snapshot_date.month"}}},
	{"app_by_device_month", "app_daily", plan.Query{
		Metrics: []string{"app_users", "logins", "app_events"}, Dimensions: []string{"app_events.device", "app_events.event_time.month"}}},
	{"drill_across_by_segment", "txn_monthly_segment+app_daily", plan.Query{
		Metrics: []string{"txn_amount", "app_users", "amount_per_user"}, Dimensions: []string{"customers.segment"}}},
	{"top_cities_2025", "txn_daily", plan.Query{
		Metrics: []string{"txn_amount", "active_customers"}, Dimensions: []string{"branches.city"},
		Where: "transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-07-01'", Order: []string{"-txn_amount", "branches.city"}, Limit: 5}},
}

// checkSame runs q through the rewrite and raw, fails unless the rollup
// serves it as expected and both answers agree cell by cell.
func checkSame(b *testing.B, w *service.Project, name, servedBy string, q plan.Query) {
	b.Helper()
	ctx := context.Background()
	got, err := w.Query(ctx, &q)
	if err != nil {
		b.Fatalf("%s: %v", name, describeErr(err))
	}
	if got.Meta.ServedBy != servedBy {
		b.Fatalf("%s: served by %s, want %s", name, got.Meta.ServedBy, servedBy)
	}
	raw := q
	raw.NoRollup = true
	want, err := w.Query(ctx, &raw)
	if err != nil {
		b.Fatalf("%s (raw): %v", name, describeErr(err))
	}
	if d := diffResults(got, want); d != "" {
		b.Fatalf("%s: the rollup's answer differs from the raw one:\n%s\nrollup SQL:\n%s", name, d, got.Meta.SQL)
	}
}

// timeQuery runs q b.N times and returns each run's duration.
func timeQuery(b *testing.B, w *service.Project, q plan.Query) []time.Duration {
	ctx := context.Background()
	out := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := w.Query(ctx, &q); err != nil {
			b.Fatal(err)
		}
		out = append(out, time.Since(t0))
	}
	b.StopTimer()
	return out
}

func durationsMS(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / 1e6
	}
	return out
}

// BenchmarkRollupVsRaw times, for each rollup-served query, the in-process
// Warehouse.Query (compile, rewrite, run) as served by its rollup
// (<query>/rollup) and with no_rollup (<query>/raw). The raw sub-benchmark
// reports the speedup (raw time over rollup time). A summary line gives the
// median speedup and the rollup hits' p50 latency.
func BenchmarkRollupVsRaw(b *testing.B) {
	w := benchWarehouse(b)
	type row struct {
		name               string
		rollupNS, rawNS    float64
		rollupP50, speedup float64
	}
	var rows []row
	var allHits []float64
	for _, c := range rollupQueries {
		r := row{name: c.name}
		checked := false
		b.Run(c.name+"/rollup", func(b *testing.B) {
			if !checked {
				checkSame(b, w, c.name, c.servedBy, c.q)
				checked = true
			}
			ds := timeQuery(b, w, c.q)
			ms := durationsMS(ds)
			r.rollupNS = banktest.Median(ms) * 1e6
			r.rollupP50 = banktest.Median(ms)
			if len(ms) >= 10 {
				allHits = append(allHits, ms...)
			}
			b.ReportMetric(r.rollupP50, "p50-ms")
		})
		raw := c.q
		raw.NoRollup = true
		b.Run(c.name+"/raw", func(b *testing.B) {
			ds := timeQuery(b, w, raw)
			r.rawNS = banktest.Median(durationsMS(ds)) * 1e6
			if r.rollupNS > 0 {
				r.speedup = r.rawNS / r.rollupNS
				b.ReportMetric(r.speedup, "speedup")
			}
		})
		if r.rollupNS > 0 && r.rawNS > 0 {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return
	}
	var speedups, p50s []float64
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "%-28s %12s %12s %9s\n", "query", "rollup p50", "raw p50", "speedup")
	for _, r := range rows {
		speedups = append(speedups, r.speedup)
		p50s = append(p50s, r.rollupP50)
		fmt.Fprintf(&tbl, "%-28s %10.2fms %10.1fms %8.0fx\n", r.name, r.rollupNS/1e6, r.rawNS/1e6, r.speedup)
	}
	// Printed rather than logged: a parent benchmark's log is not shown.
	fmt.Printf("BenchmarkRollupVsRaw: %d transactions (rollups built in %s this run)\n%s"+
		"median speedup %.1fx (target >= 20x)\n"+
		"rollup-hit p50 latency: median of the queries' p50s %.2f ms; p50 of all %d rollup runs pooled %.2f ms (target < 2 ms)\n",
		bench.n, bench.build.Round(time.Millisecond), tbl.String(), banktest.Median(speedups), banktest.Median(p50s), len(allHits), banktest.Median(allHits))
}

// distinctQueries count distinct customers from the rollups' distinct sets.
var distinctQueries = []benchQuery{
	{"segment_by_month", "txn_monthly_segment", plan.Query{
		Metrics: []string{"active_customers"}, Dimensions: []string{"customers.segment", "transactions.txn_time.month"}}},
	{"segment_by_year", "txn_monthly_segment", plan.Query{
		Metrics: []string{"active_customers"}, Dimensions: []string{"customers.segment", "transactions.txn_time.year"}}},
	{"city_by_month", "txn_daily", plan.Query{
		Metrics: []string{"active_customers"}, Dimensions: []string{"branches.city", "transactions.txn_time.month"}}},
}

// BenchmarkDistinct times exact distinct counts (active_customers) merged
// from a rollup's distinct sets against COUNT(DISTINCT) over the raw rows,
// after checking that both give the same counts. The first query,
// segment × month, is the headline; the others merge more sets per group.
func BenchmarkDistinct(b *testing.B) {
	w := benchWarehouse(b)
	var summary strings.Builder
	for _, c := range distinctQueries {
		var rollupMS, rawMS float64
		checked := false
		b.Run(c.name+"/rollup", func(b *testing.B) {
			if !checked {
				checkSame(b, w, c.name, c.servedBy, c.q)
				checked = true
			}
			rollupMS = banktest.Median(durationsMS(timeQuery(b, w, c.q)))
			b.ReportMetric(rollupMS, "p50-ms")
		})
		raw := c.q
		raw.NoRollup = true
		b.Run(c.name+"/raw", func(b *testing.B) {
			rawMS = banktest.Median(durationsMS(timeQuery(b, w, raw)))
			if rollupMS > 0 {
				b.ReportMetric(rawMS/rollupMS, "speedup")
			}
		})
		if rollupMS == 0 || rawMS == 0 {
			continue
		}
		fmt.Fprintf(&summary, "  %-18s rollup %8.2f ms  raw %8.1f ms  speedup %6.1fx\n", c.name, rollupMS, rawMS, rawMS/rollupMS)
	}
	fmt.Printf("BenchmarkDistinct: %d transactions (target >= 5x)\n%s", bench.n, summary.String())
}
