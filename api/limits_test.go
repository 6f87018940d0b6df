package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// slowQuery no rollup serves (customers.age_band is in none): a distinct
// count over every raw transaction.
const slowQuery = `{"metrics":["active_customers","txn_amount"],"dimensions":["customers.age_band","channels.name"]}`

// builtBank is a bank of txns transactions in a directory of its own, on
// DuckDB with the given threads (0: the default), its rollups built.
func builtBank(tb testing.TB, txns int, seed uint64, threads int) *service.Project {
	tb.Helper()
	dir := tb.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: txns, Seed: seed}); err != nil {
		tb.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{Threads: threads})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		tb.Fatal(err)
	}
	return w
}

// limitsProject is a bank of 300,000 transactions, enough for a raw query
// to take milliseconds.
func limitsProject(t *testing.T) *service.Project { return builtBank(t, 300_000, 9, 0) }

func postTo(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/v1/query", "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return nil, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// wantRows is the in-process answer of q, as JSON rows.
func wantRows(t *testing.T, w *service.Project, q string) string {
	t.Helper()
	pq, err := plan.DecodeQuery([]byte(q))
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Query(context.Background(), pq)
	if err != nil {
		t.Fatal(err)
	}
	if res.Meta.ServedBy != "raw" {
		t.Fatalf("the slow query is served by %s, want raw", res.Meta.ServedBy)
	}
	b, err := json.Marshal(res.Rows)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func rowsOf(t *testing.T, b []byte) string {
	t.Helper()
	var x struct{ Rows json.RawMessage }
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return string(x.Rows)
}

// checkRefusal checks a refusal's shape: its status and code, a JSON body
// that names no engine, never cacheable, and the request id.
func checkRefusal(t *testing.T, resp *http.Response, b []byte, status int, code string) {
	t.Helper()
	var e apiErr
	if resp.StatusCode != status || json.Unmarshal(b, &e) != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("got %d %s, want %d with code %s", resp.StatusCode, b, status, code)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" || resp.Header.Get("ETag") != "" {
		t.Errorf("a %d is cacheable: Cache-Control %q, ETag %q", status, cc, resp.Header.Get("ETag"))
	}
	if resp.Header.Get("Strata-Request-Id") == "" {
		t.Errorf("a %d has no Strata-Request-Id", status)
	}
	if low := strings.ToLower(string(b)); strings.Contains(low, "duckdb") || strings.Contains(low, "interrupt") || strings.Contains(low, "context") {
		t.Errorf("the %d passes the inside through: %s", status, b)
	}
}

// A query past the server's deadline answers 504 timeout over the listener,
// with nothing of the engine in it; the same query answers exactly right
// after, on a server with room for it.
func TestTimeoutOverTheListener(t *testing.T) {
	w := limitsProject(t)
	want := wantRows(t, w, slowQuery)
	short := httptest.NewServer(api.New(w, api.Options{Timeout: time.Millisecond, CacheEntries: -1}))
	defer short.Close()
	for i := 0; i < 3; i++ {
		resp, b := postTo(t, short.URL, slowQuery)
		checkRefusal(t, resp, b, http.StatusGatewayTimeout, "timeout")
	}
	long := httptest.NewServer(api.New(w, api.Options{CacheEntries: -1}))
	defer long.Close()
	start := time.Now()
	resp, b := postTo(t, long.URL, slowQuery)
	if resp.StatusCode != 200 || rowsOf(t, b) != want {
		t.Fatalf("after the timeouts: %d %s", resp.StatusCode, b)
	}
	t.Logf("the query takes %v when it may finish", time.Since(start))
}

// Beyond MaxConcurrent queries at once a query is refused at once with 429
// and a Retry-After, over the listener; every query let in answers exactly;
// the slots free up afterwards.
func TestTooManyRequestsOverTheListener(t *testing.T) {
	w := limitsProject(t)
	want := wantRows(t, w, slowQuery)
	srv := httptest.NewServer(api.New(w, api.Options{MaxConcurrent: 1, CacheEntries: -1}))
	defer srv.Close()
	refused := 0
	for round := 0; round < 20 && refused == 0; round++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, b := postTo(t, srv.URL, slowQuery)
				if resp == nil {
					return
				}
				if resp.StatusCode == http.StatusTooManyRequests {
					checkRefusal(t, resp, b, http.StatusTooManyRequests, "too-many-requests")
					if ra := resp.Header.Get("Retry-After"); ra == "" {
						t.Errorf("a 429 without Retry-After")
					}
					mu.Lock()
					refused++
					mu.Unlock()
					return
				}
				if resp.StatusCode != 200 || rowsOf(t, b) != want {
					t.Errorf("a query let in: %d %s", resp.StatusCode, b)
				}
			}()
		}
		wg.Wait()
	}
	if refused == 0 {
		t.Fatal("8 concurrent raw queries against one slot were never refused in 20 rounds")
	}
	resp, b := postTo(t, srv.URL, slowQuery)
	if resp.StatusCode != 200 || rowsOf(t, b) != want {
		t.Fatalf("after the refusals: %d %s", resp.StatusCode, b)
	}
}
