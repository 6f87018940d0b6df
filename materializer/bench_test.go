package materializer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// benchCases are the oracle queries the raw-path benchmark runs: a join and
// group by, a time grain in the project's zone, a computed dimension, a
// drill-across, the semi-additive balances, period over period and a
// no-dimension total. Each runs through Strata and as its hand-written SQL.
var benchCases = []string{
	"all_simple_kinds_no_dimensions",
	"by_segment_null_segment_and_orphans",
	"grain_month_local",
	"computed_age_band",
	"drill_across_transactions_and_app_events_by_segment",
	"balances_last_first_and_per_account_by_month",
	"pop_prev_month_and_mom_by_month",
}

// benchTransactions is the data size: STRATA_BENCH_TXNS, default 1,000,000.
func benchTransactions(b *testing.B) int {
	n := 1_000_000
	if s := os.Getenv("STRATA_BENCH_TXNS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("STRATA_BENCH_TXNS=%q: want a positive number of transactions", s)
		}
		n = v
	}
	return n
}

// benchWarehouse opens the bank model over a data set of n transactions
// cached under <repo>/.strata/bench/bank-<n>/ (ignored by git); the data is
// generated on first use and reused afterwards.
func benchWarehouse(b *testing.B, n int) *service.Project {
	b.Helper()
	dir := filepath.Join(repoRoot(), ".strata", "bench", fmt.Sprintf("bank-%d", n))
	if err := banktest.CopyModel(dir); err != nil {
		b.Fatal(err)
	}
	marker := filepath.Join(dir, "data", ".complete")
	if _, err := os.Stat(marker); err != nil {
		start := time.Now()
		if _, err := bankgen.Generate(context.Background(), filepath.Join(dir, "data"), bankgen.Options{Transactions: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(marker, []byte("seed 1\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d transactions into %s in %s", n, dir, time.Since(start).Round(time.Millisecond))
	}
	w, err := openBank(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	return w
}

func findOracleCase(name string) (oracleCase, bool) {
	for _, c := range oracleCases {
		if c.name == name {
			return c, true
		}
	}
	return oracleCase{}, false
}

// BenchmarkRawVsDuckDB times each query through Strata (compile and run on
// the raw tables, no rollups) against DuckDB running the hand-written SQL, in
// the same loop: ns/op is Strata's time, duckdb-ns/op the hand-written
// SQL's, and x-duckdb their ratio.
func BenchmarkRawVsDuckDB(b *testing.B) {
	n := benchTransactions(b)
	w := benchWarehouse(b, n)
	defer w.Close()
	ctx := context.Background()
	// ratios holds every run's ratio by query (-count repeats each sub-benchmark).
	ratios := map[string][]float64{}
	for _, name := range benchCases {
		c, ok := findOracleCase(name)
		if !ok {
			b.Fatalf("no oracle case %q", name)
		}
		q := c.q
		q.NoRollup = true
		// Warm up both paths once and check that they agree on the shape.
		got, err := w.Query(ctx, &q)
		if err != nil {
			b.Fatalf("%s: strata: %v", name, err)
		}
		want, err := w.Engine.Query(ctx, c.sql)
		if err != nil {
			b.Fatalf("%s: hand-written SQL: %v", name, err)
		}
		if len(got.Rows) != len(want.Rows) {
			b.Fatalf("%s: strata returned %d rows, the hand-written SQL %d", name, len(got.Rows), len(want.Rows))
		}
		b.Run(name, func(b *testing.B) {
			var strata, duck time.Duration
			runStrata := func() {
				t0 := time.Now()
				if _, err := w.Query(ctx, &q); err != nil {
					b.Fatal(err)
				}
				strata += time.Since(t0)
			}
			runDuck := func() {
				t0 := time.Now()
				if _, err := w.Engine.Query(ctx, c.sql); err != nil {
					b.Fatal(err)
				}
				duck += time.Since(t0)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Alternate which runs first so neither always gets warm caches.
				if i%2 == 0 {
					runStrata()
					runDuck()
				} else {
					runDuck()
					runStrata()
				}
			}
			b.StopTimer()
			ratio := float64(strata) / float64(duck)
			b.ReportMetric(float64(strata.Nanoseconds())/float64(b.N), "ns/op")
			b.ReportMetric(float64(duck.Nanoseconds())/float64(b.N), "duckdb-ns/op")
			b.ReportMetric(ratio, "x-duckdb")
			ratios[name] = append(ratios[name], ratio)
		})
	}
	if len(ratios) > 0 {
		var rs []float64
		for _, r := range ratios {
			rs = append(rs, banktest.Median(r))
		}
		// Printed rather than logged: a parent benchmark's log is not shown.
		fmt.Printf("BenchmarkRawVsDuckDB: %d transactions: median x-duckdb over %d queries = %.3f\n", n, len(rs), banktest.Median(rs))
	}
}

// median returns the median of xs (not empty); xs is sorted in place.

// BenchmarkEngineTableChangeCheck times the look for changes to engine
// tables (enginestat.go) on the bank of STRATA_BENCH_TXNS transactions
// loaded into an in-memory DuckDB: each table's fingerprint aggregate (the
// fact's count, newest time and time-hash sum; a dimension's content hash),
// the per-partition GROUP BY read only once a fact changed, and a query
// served by txn_daily with the fingerprints reused (within
// EngineStatsTTL) against the same query reading every fingerprint first,
// the cost of the first query of a burst.
//
// Run: go test ./materializer -run '^$' -bench EngineTableChangeCheck -benchtime 20x
func BenchmarkEngineTableChangeCheck(b *testing.B) {
	n := benchTransactions(b)
	files := benchWarehouse(b, n)
	dataDir := filepath.Join(files.Project.Dir, "data")
	files.Close()
	ctx := context.Background()
	eng, err := duckdb.Open("", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	dir := b.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		b.Fatal(err)
	}
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	for _, tb := range p.Tables {
		var cols []enginetest.ColumnDef
		for _, c := range tb.Columns {
			cols = append(cols, enginetest.ColumnDef{Name: c.Name, Type: c.Type.String()})
		}
		if err := enginetest.LoadParquet(ctx, eng, tb.Name, cols, filepath.Join(dataDir, filepath.Base(tb.Source.Value))); err != nil {
			b.Fatal(err)
		}
	}
	phys := filepath.Join(dir, "models", "physical.yaml")
	text, err := os.ReadFile(phys)
	if err != nil {
		b.Fatal(err)
	}
	text = regexp.MustCompile(`source: data/(\w+)\.parquet`).ReplaceAll(text, []byte("source: $1"))
	if err := os.WriteFile(phys, text, 0o644); err != nil {
		b.Fatal(err)
	}
	ep, diags := model.Load(dir)
	cat, diags := logical.Validate(ep, diags)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	w, err := service.New(ctx, cat, eng, sqlgen.DuckDB{})
	if err != nil {
		b.Fatal(err)
	}
	m := w.Materializer()
	if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
		b.Fatalf("refresh: %v %+v", err, res)
	}
	table := func(name string) *model.Table {
		for _, t := range ep.Tables {
			if t.Name == name {
				return t
			}
		}
		b.Fatalf("no table %s", name)
		return nil
	}
	q := plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name"}}
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"fact_stat", func() error {
			m.ForgetEngineStats()
			_, err := m.EngineTableStat(ctx, table("transactions"))
			return err
		}},
		{"dimension_stat", func() error { m.ForgetEngineStats(); _, err := m.EngineTableStat(ctx, table("customers")); return err }},
		{"partition_stats", func() error { m.ForgetEngineStats(); _, err := m.SourcePartitions(ctx, "txn_daily"); return err }},
		{"query_stats_reused", func() error {
			m.EngineStatsTTL = time.Hour
			res, err := w.Query(ctx, &q)
			if err == nil && res.Meta.ServedBy != "txn_daily" {
				err = fmt.Errorf("served by %s", res.Meta.ServedBy)
			}
			return err
		}},
		{"query_stats_read", func() error {
			m.EngineStatsTTL = -1
			res, err := w.Query(ctx, &q)
			if err == nil && res.Meta.ServedBy != "txn_daily" {
				err = fmt.Errorf("served by %s", res.Meta.ServedBy)
			}
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
