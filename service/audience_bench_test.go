package service_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// The audience benchmarks run on the bank with many customers and 50 tags,
// each beside DuckDB running the equivalent hand-written SQL over the same
// tables in the same run:
//
//	go test ./service -run '^$' -bench Audience -benchtime 20x
//
// STRATA_CDP_BENCH_CUSTOMERS sets the number of customers (default 1M); the
// data is generated once under .strata/bench/cdp-<N> (500k transactions),
// or read from STRATA_CDP_BENCH_DATA when that names a generated data
// directory. STRATA_CDP_BENCH_TEXT_KEYS=1 runs them on the bank with text
// customer keys (banktest.TextKeys; the converted files are written once
// beside the data, in <data>-text), so the tags take their ids from the key
// dictionary and the export streams the keys:
//
//	STRATA_CDP_BENCH_TEXT_KEYS=1 go test ./service -run '^$' -bench Audience -benchtime 20x

type benchTag struct {
	name, yaml string
	sql        string // the hand-written membership over customers c LEFT JOIN branches b
}

// benchTags are the 50 tags: 20 AUM thresholds, 7 birth decades, 8 joining
// years, 4 regions (through the branch join), 5 categorical tags (one
// computed, one through the join) and 6 behaviours over windows.
func benchTags() []benchTag {
	var out []benchTag
	for k := 0; k < 20; k++ {
		t := 1000 << k / 4
		out = append(out, benchTag{fmt.Sprintf("aum_%d", k), fmt.Sprintf("where: customers.aum >= %d", t), fmt.Sprintf("c.aum >= %d", t)})
	}
	for y := 1945; y < 2015; y += 10 {
		cond := fmt.Sprintf("customers.birth_date >= DATE '%d-01-01' AND customers.birth_date < DATE '%d-01-01'", y, y+10)
		out = append(out, benchTag{fmt.Sprintf("born_%ds", y), "where: " + cond, strings.ReplaceAll(cond, "customers.", "c.")})
	}
	for y := 2010; y < 2026; y += 2 {
		cond := fmt.Sprintf("customers.joined_date >= DATE '%d-01-01'", y)
		out = append(out, benchTag{fmt.Sprintf("joined_%d", y), "where: " + cond, strings.ReplaceAll(cond, "customers.", "c.")})
	}
	for _, r := range []string{"North", "East", "South", "West"} {
		out = append(out, benchTag{"region_" + strings.ToLower(r), fmt.Sprintf("where: branches.region = '%s'", r), fmt.Sprintf("b.region = '%s'", r)})
	}
	for _, v := range [][2]string{{"segment", "customers.segment"}, {"risk", "customers.risk_level"}, {"gender", "customers.gender"}, {"age_band", "customers.age_band"}, {"city", "branches.city"}} {
		out = append(out, benchTag{"c_" + v[0], "value: " + v[1], ""})
	}
	for _, w := range [][2]int{{30, 1}, {30, 3}, {90, 2}, {90, 5}, {365, 3}, {365, 10}} {
		out = append(out, benchTag{fmt.Sprintf("active_%dd_%d", w[0], w[1]),
			fmt.Sprintf(`where_metric: { metric: txn_count, window: %d days, op: ">=", value: %d }`, w[0], w[1]), ""})
	}
	return out
}

func benchTagYAML() string {
	var b strings.Builder
	b.WriteString("tags:\n")
	for _, t := range benchTags() {
		fmt.Fprintf(&b, "  - name: %s\n    entity: customers\n    %s\n", t.name, t.yaml)
	}
	return b.String()
}

// handTagSQL is the hand-written build of every tag: each tag's ids
// materialized as a table, the way one would keep segments in DuckDB.
func handTagSQL() []string {
	var out []string
	from := " FROM customers c LEFT JOIN branches b ON b.branch_id = c.branch_id"
	for i, t := range benchTags() {
		tbl := fmt.Sprintf("hand_tag_%d", i)
		switch {
		case t.sql != "":
			out = append(out, "CREATE OR REPLACE TEMP TABLE "+tbl+" AS SELECT c.customer_id"+from+" WHERE "+t.sql)
		case strings.HasPrefix(t.yaml, "value:"):
			field := strings.TrimSpace(strings.TrimPrefix(t.yaml, "value:"))
			col := map[string]string{"customers.segment": "c.segment", "customers.risk_level": "c.risk_level", "customers.gender": "c.gender", "branches.city": "b.city",
				"customers.age_band": "CASE WHEN c.birth_date > DATE '1995-01-01' THEN 'under 30' WHEN c.birth_date > DATE '1975-01-01' THEN '30-49' ELSE '50+' END"}[field]
			out = append(out, "CREATE OR REPLACE TEMP TABLE "+tbl+" AS SELECT "+col+" AS v, c.customer_id"+from+" WHERE "+col+" IS NOT NULL")
		default:
			var days, n int
			fmt.Sscanf(t.name, "active_%dd_%d", &days, &n)
			out = append(out, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT t.customer_id FROM transactions t JOIN customers c ON c.customer_id = t.customer_id "+
				"WHERE %s > %s - INTERVAL %d DAY AND %s <= %s GROUP BY 1 HAVING COUNT(t.txn_id) >= %d", tbl, localTxnTime, watermark, days, localTxnTime, watermark, n))
		}
	}
	return out
}

var cdpBench struct {
	once  sync.Once
	p     *service.Project
	a     *service.Audiences
	err   error
	built time.Duration
}

func benchProject(b *testing.B) (*service.Project, *service.Audiences) {
	b.Helper()
	cdpBench.once.Do(func() {
		customers := 1_000_000
		if s := os.Getenv("STRATA_CDP_BENCH_CUSTOMERS"); s != "" {
			fmt.Sscan(s, &customers)
		}
		root, err := banktest.RepoRoot()
		if cdpBench.err = err; err != nil {
			return
		}
		data := os.Getenv("STRATA_CDP_BENCH_DATA")
		if data == "" {
			data = filepath.Join(root, ".strata", "bench", fmt.Sprintf("cdp-%d", customers), "data")
			if _, err := os.Stat(filepath.Join(data, "customers.parquet")); err != nil {
				opts := bankgen.Options{Transactions: 500_000, Customers: customers, Seed: 3}
				if _, cdpBench.err = bankgen.Generate(context.Background(), data, opts); cdpBench.err != nil {
					return
				}
			}
		}
		dir := filepath.Join(testRoot, "cdp-bench")
		if cdpBench.err = banktest.CopyModel(dir); cdpBench.err != nil {
			return
		}
		if os.Getenv("STRATA_CDP_BENCH_TEXT_KEYS") == "1" {
			text := strings.TrimSuffix(data, string(filepath.Separator)) + "-text"
			if _, err := os.Stat(filepath.Join(text, "customers.parquet")); err != nil {
				if cdpBench.err = banktest.TextKeyData(context.Background(), data, text); cdpBench.err != nil {
					return
				}
			}
			phys := filepath.Join(dir, "models", "physical.yaml")
			y, _ := os.ReadFile(phys)
			if cdpBench.err = os.WriteFile(phys, []byte(strings.ReplaceAll(string(y), "customer_id: bigint", "customer_id: varchar")), 0o644); cdpBench.err != nil {
				return
			}
			data = text
		}
		if cdpBench.err = os.Symlink(data, filepath.Join(dir, "data")); cdpBench.err != nil {
			return
		}
		// The bench's tags replace the example's.
		rollups := filepath.Join(dir, "models", "rollups.yaml")
		y, _ := os.ReadFile(rollups)
		if i := strings.Index(string(y), "\ntags:"); i >= 0 {
			y = y[:i+1]
		}
		if cdpBench.err = os.WriteFile(rollups, y, 0o644); cdpBench.err != nil {
			return
		}
		if cdpBench.err = os.WriteFile(filepath.Join(dir, "models", "bench_tags.yaml"), []byte(benchTagYAML()), 0o644); cdpBench.err != nil {
			return
		}
		ctx := context.Background()
		if cdpBench.p, cdpBench.err = banktest.Open(ctx, dir, service.Options{}); cdpBench.err != nil {
			return
		}
		start := time.Now()
		res, err := cdpBench.p.Materializer().RefreshTags(ctx, nil, nil)
		if cdpBench.err = err; err != nil {
			return
		}
		cdpBench.built = time.Since(start)
		for _, r := range res {
			if testing.Verbose() {
				fmt.Printf("tag %-20s %9d ids %8s\n", r.Name, r.Members, r.Duration.Round(time.Millisecond))
			}
			if r.Err != nil {
				cdpBench.err = fmt.Errorf("tag %s: %w", r.Name, r.Err)
				return
			}
		}
		cdpBench.a, cdpBench.err = service.NewAudiences(cdpBench.p)
	})
	if cdpBench.err != nil {
		b.Fatal(cdpBench.err)
	}
	return cdpBench.p, cdpBench.a
}

// timed runs f once to warm (load tags, plan the SQL), then b.N times, and
// reports the median in ms.
func timed(b *testing.B, f func() error) {
	b.Helper()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	timedCold(b, f)
}

// timedCold is timed without the warm-up run, for work that is slow and
// warms nothing (a full tag build).
func timedCold(b *testing.B, f func() error) {
	b.Helper()
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
}

const benchFrom = " FROM customers c LEFT JOIN branches b ON b.branch_id = c.branch_id"

// The five-tag audience and its hand-written condition.
const (
	bench5    = "aum_10 AND NOT c_segment = 'staff' AND (region_north OR region_east) AND NOT born_1985s"
	bench5SQL = "COALESCE(c.aum >= 256000, FALSE) AND NOT COALESCE(c.segment = 'staff', FALSE) AND COALESCE(b.region IN ('North', 'East'), FALSE) " +
		"AND NOT COALESCE(c.birth_date >= DATE '1985-01-01' AND c.birth_date < DATE '1995-01-01', FALSE)"
	benchB    = "aum_5 AND joined_2020"
	benchBSQL = "COALESCE(c.aum >= 8000, FALSE) AND COALESCE(c.joined_date >= DATE '2020-01-01', FALSE)"
	benchC    = "c_risk IN ('high', 'medium') OR region_west"
	benchCSQL = "COALESCE(c.risk_level IN ('high', 'medium'), FALSE) OR COALESCE(b.region = 'West', FALSE)"
)

func query(p *service.Project, sql string) func() error {
	return func() error { _, err := p.Engine.Query(context.Background(), sql); return err }
}

func BenchmarkAudienceBuildAllTags(b *testing.B) {
	p, _ := benchProject(b)
	ctx := context.Background()
	b.Run("strata", func(b *testing.B) {
		timedCold(b, func() error {
			res, err := p.Materializer().RefreshTags(ctx, nil, nil)
			for _, r := range res {
				if err == nil {
					err = r.Err
				}
			}
			return err
		})
		// After timedCold: resetting the timer drops metrics reported before.
		b.ReportMetric(float64(cdpBench.built.Milliseconds()), "first-build-ms")
	})
	b.Run("duckdb", func(b *testing.B) {
		timedCold(b, func() error {
			for _, q := range handTagSQL() {
				if err := p.Engine.Exec(ctx, q); err != nil {
					return fmt.Errorf("%v\n%s", err, q)
				}
			}
			return nil
		})
	})
}

func BenchmarkAudienceSize5Tags(b *testing.B) {
	p, a := benchProject(b)
	ctx := context.Background()
	b.Run("strata", func(b *testing.B) {
		timed(b, func() error { _, err := a.Evaluate(ctx, &service.AudienceRequest{Expr: bench5}); return err })
	})
	b.Run("duckdb", func(b *testing.B) { timed(b, query(p, "SELECT COUNT(*)"+benchFrom+" WHERE "+bench5SQL)) })
}

func BenchmarkAudienceOverlap3(b *testing.B) {
	p, a := benchProject(b)
	ctx := context.Background()
	req := &service.AudienceRequest{Expr: bench5, Overlap: map[string]string{"b": benchB, "c": benchC}}
	b.Run("strata", func(b *testing.B) {
		timed(b, func() error { _, err := a.Evaluate(ctx, req); return err })
	})
	q := fmt.Sprintf("SELECT COUNT(*) FILTER (WHERE %[1]s), COUNT(*) FILTER (WHERE %[2]s), COUNT(*) FILTER (WHERE %[3]s), "+
		"COUNT(*) FILTER (WHERE (%[1]s) AND (%[2]s)), COUNT(*) FILTER (WHERE (%[1]s) AND (%[3]s))"+benchFrom, bench5SQL, benchBSQL, benchCSQL)
	b.Run("duckdb", func(b *testing.B) { timed(b, query(p, q)) })
}

func BenchmarkAudienceProfile3(b *testing.B) {
	p, a := benchProject(b)
	ctx := context.Background()
	req := &service.AudienceRequest{Expr: bench5, Profile: []string{"customers.segment", "branches.region", "customers.age_band"}}
	b.Run("strata", func(b *testing.B) {
		timed(b, func() error { _, err := a.Evaluate(ctx, req); return err })
	})
	band := "CASE WHEN c.birth_date > DATE '1995-01-01' THEN 'under 30' WHEN c.birth_date > DATE '1975-01-01' THEN '30-49' ELSE '50+' END"
	q := fmt.Sprintf("SELECT c.segment, b.region, %s AS band, COUNT(*) FILTER (WHERE %s), COUNT(*)%s GROUP BY GROUPING SETS ((c.segment), (b.region), (band))", band, bench5SQL, benchFrom)
	b.Run("duckdb", func(b *testing.B) { timed(b, query(p, q)) })
}

// BenchmarkAudienceExport exports an audience of at least a million ids: the
// whole population at 1M customers (no one holds aum_19); at 10M, aum_11
// (1.7M ids with the bench's seed).
func BenchmarkAudienceExport(b *testing.B) {
	p, a := benchProject(b)
	ctx := context.Background()
	expr, cond := "NOT aum_19", "NOT COALESCE(c.aum >= 131072000, FALSE)"
	if n := benchSize(b, a); n >= 5_000_000 {
		expr, cond = "aum_11", "COALESCE(c.aum >= 512000, FALSE)"
	}
	dir := b.TempDir()
	b.Run("strata", func(b *testing.B) {
		var size uint64
		timed(b, func() error {
			members, aud, _, err := a.Members(ctx, expr)
			if err != nil {
				return err
			}
			size = members.GetCardinality()
			f, err := os.Create(filepath.Join(dir, "strata.csv"))
			if err != nil {
				return err
			}
			defer f.Close()
			return a.Export(ctx, f, service.ExportCSV, aud, members)
		})
		b.ReportMetric(float64(size), "ids")
	})
	q := fmt.Sprintf("COPY (SELECT c.customer_id%s WHERE %s ORDER BY 1) TO '%s' (HEADER)", benchFrom, cond, filepath.Join(dir, "duckdb.csv"))
	b.Run("duckdb", func(b *testing.B) {
		timed(b, func() error { return p.Engine.Exec(ctx, q) })
	})
}

func benchSize(b *testing.B, a *service.Audiences) uint64 {
	res, err := a.Evaluate(context.Background(), &service.AudienceRequest{Expr: "aum_0 OR NOT aum_0"})
	if err != nil {
		b.Fatal(err)
	}
	return res.Population
}
