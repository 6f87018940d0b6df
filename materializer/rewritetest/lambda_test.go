package rewritetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// lakeBank is a copy of the shared data set whose transactions live as a
// directory of monthly parquet files (source data/transactions/*.parquet),
// with the newest days held back in memory so the test can land them later.
type lakeBank struct {
	t    *testing.T
	dir  string
	w    *service.Project
	db   *duckdb.DB // writes the lake's files
	cut  time.Time  // rows at or after cut are held back
	last time.Time
}

func newLakeBank(t *testing.T, name string) *lakeBank {
	t.Helper()
	ctx := context.Background()
	_, src := sharedWarehouse(t)
	dir := filepath.Join(testRoot, name)
	if err := banktest.CopyTree(src, dir); err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	lb := &lakeBank{t: t, dir: dir, db: db}
	t.Cleanup(func() { db.Close() })
	orig := filepath.Join(dir, "data", "transactions.parquet")
	lb.exec(fmt.Sprintf("CREATE TABLE txn AS SELECT * FROM read_parquet(%s)", duckdb.QuoteString(orig)))
	res, err := db.Query(ctx, "SELECT MIN(txn_time), MAX(txn_time) FROM txn")
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.Rows[0][0].(time.Time), res.Rows[0][1].(time.Time)
	lb.last = last
	lb.cut = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -9)
	if err := os.MkdirAll(filepath.Join(dir, "data", "transactions"), 0o755); err != nil {
		t.Fatal(err)
	}
	for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(lb.cut); m = m.AddDate(0, 1, 0) {
		lb.write(m.Format("2006-01")+".parquet", m, minTime(m.AddDate(0, 1, 0), lb.cut), "")
	}
	if err := os.Remove(orig); err != nil {
		t.Fatal(err)
	}
	phys := filepath.Join(dir, "models", "physical.yaml")
	text, err := os.ReadFile(phys)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Replace(string(text), "source: data/transactions.parquet", "source: data/transactions/*.parquet", 1)
	if out == string(text) {
		t.Fatal("the bank model's transactions source moved; update the test")
	}
	if err := os.WriteFile(phys, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if lb.w, err = openBank(ctx, dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lb.w.Close() })
	lb.refresh()
	return lb
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (lb *lakeBank) exec(q string) {
	lb.t.Helper()
	if err := lb.db.Exec(context.Background(), q); err != nil {
		lb.t.Fatal(err)
	}
}

// write stores the held rows with txn_time in [from, to) (and matching
// extra, when given) as one file of the lake.
func (lb *lakeBank) write(name string, from, to time.Time, extra string) {
	lb.t.Helper()
	where := fmt.Sprintf("txn_time >= TIMESTAMP '%s' AND txn_time < TIMESTAMP '%s'", from.Format(time.DateTime), to.Format(time.DateTime))
	if extra != "" {
		where += " AND " + extra
	}
	path := filepath.Join(lb.dir, "data", "transactions", name)
	lb.exec(fmt.Sprintf("COPY (SELECT * FROM txn WHERE %s ORDER BY txn_time) TO %s (FORMAT parquet)", where, duckdb.QuoteString(path)))
}

func (lb *lakeBank) refresh(names ...string) []materializer.RefreshResult {
	lb.t.Helper()
	res, err := lb.w.Refresh(context.Background(), names, nil)
	if err != nil {
		lb.t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			lb.t.Fatalf("refresh %s: %v", r.Name, r.Err)
		}
	}
	return res
}

// monthsOfDays are the month partition keys of the n days from from on.
func monthsOfDays(from time.Time, n int) map[string]bool {
	out := map[string]bool{}
	for d := from; d.Before(from.AddDate(0, 0, n)); d = d.AddDate(0, 0, 1) {
		out[d.Format("2006-01")+"-01"] = true
	}
	return out
}

// checkKeptBuilds: every partition outside touched kept the build it had
// before the refresh.
func checkKeptBuilds(t *testing.T, before, after map[string]materializer.PartitionState, touched map[string]bool, why string) {
	t.Helper()
	for k, p := range before {
		if !touched[k] && !p.BuiltAt.Equal(after[k].BuiltAt) {
			t.Errorf("partition %s was rebuilt though %s", k, why)
		}
	}
}

func (lb *lakeBank) partitions(name string) map[string]materializer.PartitionState {
	lb.t.Helper()
	ps, err := lb.w.Materializer().Partitions(context.Background(), name)
	if err != nil {
		lb.t.Fatal(err)
	}
	out := map[string]materializer.PartitionState{}
	for _, p := range ps {
		out[p.Key] = p
	}
	return out
}

// allHistory is a query over every month, which the day rollup serves.
var allHistory = plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"transactions.txn_time.month", "channels.name"}}

func (lb *lakeBank) servedBy(q plan.Query) string {
	lb.t.Helper()
	res, err := lb.w.Query(context.Background(), &q)
	if err != nil {
		lb.t.Fatal(err)
	}
	return res.Meta.ServedBy
}

// Sources that change between builds — new files, a rewritten partition,
// late rows for old days — never make a rollup answer differ from the raw
// tables: between a change and the next refresh the rollup serves with its
// stale partitions read raw (served_by txn_daily+tail), and the refresh
// rebuilds only the partitions the change touched.
func TestLambdaTailAndIncrementalRefreshStayExact(t *testing.T) {
	lb := newLakeBank(t, "lambda")
	g := newQueryGen(rand.New(rand.NewPCG(11, 12)), facts)
	if got := lb.servedBy(allHistory); got != "txn_daily" {
		t.Fatalf("after the first build: served by %s", got)
	}
	before := lb.partitions("txn_daily")
	if len(before) < 12 {
		t.Fatalf("txn_daily has %d partitions", len(before))
	}

	// 1. New files land: the newest days.
	lb.write("new-1.parquet", lb.cut, lb.cut.AddDate(0, 0, 5), "")
	if got := lb.servedBy(allHistory); got != "txn_daily+tail" {
		t.Fatalf("after new files landed: served by %s, want txn_daily+tail", got)
	}
	checkTailSplit(t, lb, before)
	runDiff(t, lb.w, g, 40, 0.3)

	// 2. The refresh rebuilds only what the new file touched.
	lb.refresh("txn_daily")
	after := lb.partitions("txn_daily")
	// A UTC day reaches two local (Asia/Shanghai) days.
	checkKeptBuilds(t, before, after, monthsOfDays(lb.cut, 6), "no file of it changed")
	if got := lb.servedBy(allHistory); got != "txn_daily" {
		t.Fatalf("after the refresh: served by %s", got)
	}
	runDiff(t, lb.w, g, 40, 0.3)

	// 3. An old partition is rewritten (pending rows dropped), and late rows
	// for old days land in a new file, then the rest of the held-back days.
	first := lb.cut.AddDate(0, -3, 0)
	month := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	lb.write(month.Format("2006-01")+".parquet", month, month.AddDate(0, 1, 0), "status <> 'pending'")
	lb.write("late.parquet", lb.cut.AddDate(0, 0, 5), lb.last.Add(time.Second), "")
	if got := lb.servedBy(allHistory); got != "txn_daily+tail" {
		t.Fatalf("after a rewrite: served by %s, want txn_daily+tail", got)
	}
	runDiff(t, lb.w, g, 40, 0.3)
	lb.refresh()
	runDiff(t, lb.w, g, 40, 0.3)
}

// checkTailSplit: explain's text names the split of a tail-served part —
// every stored partition outside the stale ranges from the rollup, the
// stale ranges from the raw rows, and the files holding them (the new one
// among them), not every file.
func checkTailSplit(t *testing.T, lb *lakeBank, stored map[string]materializer.PartitionState) {
	t.Helper()
	q := allHistory
	x, err := lb.w.Explain(context.Background(), &q)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Tails) != 1 {
		t.Fatalf("explain of a tail-served query lists %d tails:\n%s", len(x.Tails), x.Text())
	}
	tl := x.Tails[0]
	newFile := filepath.Join("data", "transactions", "new-1.parquet")
	if tl.Rollup != "txn_daily" || len(tl.FromRaw) == 0 || !slices.Contains(tl.RawFiles, newFile) || len(tl.RawFiles) >= len(stored) {
		t.Errorf("tail split %+v", tl)
	}
	fromRollup := map[string]bool{}
	for _, k := range tl.FromRollup {
		fromRollup[k] = true
	}
	for k := range stored {
		raw := false
		for _, r := range tl.FromRaw {
			raw = raw || strings.HasPrefix(r, "["+k+",")
		}
		if k != "null" && fromRollup[k] == raw {
			t.Errorf("partition %s: from the rollup %v, read raw %v", k, fromRollup[k], raw)
		}
	}
	text := x.Text()
	for _, want := range []string{"tail of p0 (txn_daily+tail):", "  from txn_daily: ", "  from raw rows: " + strings.Join(tl.FromRaw, ", "), "  raw files read: " + strings.Join(tl.RawFiles, ", ")} {
		if !strings.Contains(text, want) {
			t.Errorf("explain's text lacks %q:\n%s", want, text)
		}
	}
}
