package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// TestWideResultMemory asks, over a real listener, for a result of 1,000,000
// rows from a server allowing 1,000. The engine is asked for 1,001 rows, so
// the server's Go heap grows by far less than 50 MB while answering 413;
// the same query uncapped is measured alongside for comparison.
func TestWideResultMemory(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("strata.yaml", "version: 1\nname: wide\n")
	write("models/m.yaml", `tables:
  - name: events
    kind: fact
    source: data/events.parquet
    primary_key: id
    columns: { id: bigint, amount: "decimal(12,2)" }
metrics:
  - name: n
    agg: count
    expr: events.id
  - name: amount
    agg: sum
    expr: events.amount
`)
	db, err := duckdb.Open("", 0)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "data", "events.parquet")
	_ = os.MkdirAll(filepath.Dir(out), 0o755)
	if err := db.Exec(context.Background(), "COPY (SELECT range AS id, (range % 1000)::DECIMAL(12,2) AS amount FROM range(1000000)) TO "+duckdb.QuoteString(out)+" (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, err := service.Open(ctx, cat, service.Options{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	srv := httptest.NewServer(api.New(w, api.Options{MaxRows: 1000, CacheEntries: -1}))
	defer srv.Close()

	const q = `{"metrics":["n","amount"],"dimensions":["events.id"]}`
	grew := func(f func()) (total, heap uint64) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, after.HeapInuse - min(after.HeapInuse, before.HeapInuse)
	}
	status := 0
	capped, cappedHeap := grew(func() {
		resp, err := http.Post(srv.URL+"/v1/query", "application/json", strings.NewReader(q))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		status = resp.StatusCode
	})
	if status != 413 {
		t.Fatalf("status %d, want 413", status)
	}
	rows := 0
	uncapped, _ := grew(func() {
		pq, _ := plan.DecodeQuery([]byte(q))
		res, err := w.Query(ctx, pq)
		if err != nil {
			t.Fatal(err)
		}
		rows = len(res.Rows)
	})
	t.Logf("1,000,000-row request over max-rows 1000: %.1f MB allocated (heap in use +%.1f MB); the same %d rows read whole: %.1f MB",
		float64(capped)/1e6, float64(cappedHeap)/1e6, rows, float64(uncapped)/1e6)
	if rows != 1_000_000 {
		t.Fatalf("the uncapped query read %d rows; the comparison needs 1,000,000", rows)
	}
	if capped >= 50e6 {
		t.Fatalf("the server allocated %.1f MB for a request it refuses; want < 50 MB", float64(capped)/1e6)
	}
}
