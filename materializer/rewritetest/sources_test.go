package rewritetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/internal/banktest"
)

// useSource points the lake's transactions at another pattern over the same
// files and reopens the warehouse, building every rollup.
func (lb *lakeBank) useSource(source string) {
	lb.t.Helper()
	phys := filepath.Join(lb.dir, "models", "physical.yaml")
	text, err := os.ReadFile(phys)
	if err != nil {
		lb.t.Fatal(err)
	}
	out := strings.Replace(string(text), "source: data/transactions/*.parquet", "source: "+source, 1)
	if out == string(text) {
		lb.t.Fatal("the lake's transactions source moved; update the test")
	}
	if err := os.WriteFile(phys, []byte(out), 0o644); err != nil {
		lb.t.Fatal(err)
	}
	lb.w.Close()
	if lb.w, err = openBank(context.Background(), lb.dir); err != nil {
		lb.t.Fatal(err)
	}
	lb.refresh()
}

// checkTotalsAgainstRaw compares posted amount and transaction count by
// channel, as the warehouse answers them, with hand-written SQL over the
// lake's files read by DuckDB under the source's own pattern.
func (lb *lakeBank) checkTotalsAgainstRaw(pattern, wantServedBy string) {
	lb.t.Helper()
	ctx := context.Background()
	q := plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name"}, Order: []string{"channels.name"}}
	got, err := lb.w.Query(ctx, &q)
	if err != nil {
		lb.t.Fatal(err)
	}
	if got.Meta.ServedBy != wantServedBy {
		lb.t.Errorf("served by %s, want %s", got.Meta.ServedBy, wantServedBy)
	}
	oracle := fmt.Sprintf(`SELECT c.name, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id)
FROM read_parquet(%s) t LEFT JOIN read_parquet(%s) c ON t.channel_id = c.channel_id
GROUP BY c.name ORDER BY c.name NULLS LAST`,
		duckdb.QuoteString(filepath.Join(lb.dir, pattern)), duckdb.QuoteString(filepath.Join(lb.dir, "data", "channels.parquet")))
	want, err := lb.db.Query(ctx, oracle)
	if err != nil {
		lb.t.Fatal(err)
	}
	if len(got.Rows) != len(want.Rows) {
		lb.t.Fatalf("%d rows, raw SQL %d:\n%s\nwant\n%s", len(got.Rows), len(want.Rows), formatRows(got.Rows, 20), formatRows(want.Rows, 20))
	}
	for i := range got.Rows {
		for j := range got.Columns {
			if !banktest.CellEqual(got.Rows[i][j], want.Rows[i][j], got.Columns[j].Type, 0) {
				lb.t.Errorf("row %d: %s, raw SQL %s", i, rowText(got.Rows[i]), rowText(want.Rows[i]))
				break
			}
		}
	}
}

// A source written with "**" (data/transactions/**/*.parquet) reads files at
// any depth, as DuckDB reads it. A file landing in a nested hive directory
// must be seen as a change: the rollup serves with its tail until the
// refresh folds the file in, and every answer equals the raw files'.
func TestRecursiveGlobSourceStaysExact(t *testing.T) {
	lb := newLakeBank(t, "recursive-glob")
	const pattern = "data/transactions/**/*.parquet"
	lb.useSource(pattern)
	g := newQueryGen(rand.New(rand.NewPCG(21, 22)), facts)
	lb.checkTotalsAgainstRaw(pattern, "txn_daily")

	// New days land two directories down, beside a marker file.
	nested := filepath.Join("landing", "y="+lb.cut.Format("2006"), "d="+lb.cut.Format("2006-01-02"))
	if err := os.MkdirAll(filepath.Join(lb.dir, "data", "transactions", nested), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lb.dir, "data", "transactions", nested, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	lb.write(filepath.Join(nested, "part-0.parquet"), lb.cut, lb.last.AddDate(0, 0, 1), "")
	lb.checkTotalsAgainstRaw(pattern, "txn_daily+tail")
	runDiff(t, lb.w, g, 30, 0.3)

	lb.refresh("txn_daily")
	lb.checkTotalsAgainstRaw(pattern, "txn_daily")
	runDiff(t, lb.w, g, 30, 0.3)
}

// A file that lands with an old modification time (copied with its time
// kept, as cp -p and rsync -t do) is a change the rollup has not folded in,
// but not an old one: it came after the last build listed the files. Its
// staleness is counted from that build, so a rollup refreshed a moment ago
// is stale, never reported over its 15-minute SLA (breached) at once (the
// status row is what /metrics' staleness gauge reads); its answers stay exact.
func TestStalenessOfAFileWithAnOldMtime(t *testing.T) {
	lb := newLakeBank(t, "old-mtime")
	old := time.Now().Add(-3 * time.Hour)
	// Every source file, the dimensions' too, was last written hours ago.
	err := filepath.WalkDir(filepath.Join(lb.dir, "data"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
	lb.refresh("txn_daily")
	built := time.Now()
	lb.write("copied.parquet", lb.cut, lb.last.AddDate(0, 0, 1), "")
	copied := filepath.Join(lb.dir, "data", "transactions", "copied.parquet")
	if err := os.Chtimes(copied, old.Add(time.Hour), old.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, err := lb.w.Materializer().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Name != "txn_daily" {
			continue
		}
		if limit := time.Since(built) + time.Minute; s.State != "stale" || s.StalenessSeconds > limit.Seconds() {
			t.Errorf("txn_daily right after a refresh, with a copied file: state %s, staleness %.0fs (want stale, under %.0fs)", s.State, s.StalenessSeconds, limit.Seconds())
		}
	}
	lb.checkTotalsAgainstRaw("data/transactions/*.parquet", "txn_daily+tail")
}
