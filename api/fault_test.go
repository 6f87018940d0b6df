package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// TestQueriesDuringRefreshes loops queries served by a rollup while that
// rollup is refreshed 20 times over HTTP, plus bursts of 3 concurrent refresh
// requests for it: every query must answer 200 with the same rows (no
// "table does not exist" as a version is swapped out under it), every
// refresh must succeed, and afterwards exactly one version of each rollup
// must remain in the state schema.
func TestQueriesDuringRefreshes(t *testing.T) {
	const q = `{"metrics":["txn_amount","txn_count"],"dimensions":["channels.name"],"order":["channels.name"]}`
	_, want := do(t, "POST", "/v1/query", q)
	var ok, failed, viaRollup atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for i := 0; i < 4; i++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, b := post(q)
				if resp == nil || resp.StatusCode != 200 || !sameRows(b, want) {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%v %s", resp, b))
					continue
				}
				ok.Add(1)
				if resp.Header.Get("Strata-Served-By") == "txn_daily" {
					viaRollup.Add(1)
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		n := 1
		if i%5 == 0 {
			n = 3 // concurrent refreshes of one rollup: one build, all answered
		}
		var wg sync.WaitGroup
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, b := do(t, "POST", "/v1/rollups/txn_daily/refresh", "")
				if resp.StatusCode != 200 {
					t.Errorf("refresh %d: %d %s", i, resp.StatusCode, b)
				}
			}()
		}
		wg.Wait()
	}
	close(stop)
	readers.Wait()
	t.Logf("%d queries answered (%d by the rollup), %d failed, over 20 refreshes", ok.Load(), viaRollup.Load(), failed.Load())
	if failed.Load() != 0 {
		t.Fatalf("%d queries failed during refreshes; first: %v", failed.Load(), firstFailure.Load())
	}
	if viaRollup.Load() == 0 {
		t.Fatal("no query was served by the rollup being refreshed: the test proved nothing")
	}
	res, err := proj.Engine.Query(context.Background(), sqlgen.ListStateTables(proj.Dialect))
	if err != nil {
		t.Fatal(err)
	}
	versions := 0
	for _, r := range res.Rows {
		if name, _ := r[0].(string); strings.HasPrefix(name, sqlgen.RollupTablePrefix+"txn_daily_") {
			versions++
		}
	}
	if versions != 1 {
		t.Fatalf("%d versions of txn_daily left in the state schema, want 1", versions)
	}
}

func post(body string) (*http.Response, []byte) {
	req, _ := http.NewRequest("POST", srvURL+"/v1/query", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, []byte(err.Error())
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = fmt.Fprint(&b, "")
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, []byte(b.String())
}

// sameRows compares the rows of two JSON answers.
func sameRows(a, b []byte) bool {
	var x, y struct{ Rows [][]any }
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xs, _ := json.Marshal(x.Rows)
	ys, _ := json.Marshal(y.Rows)
	return len(x.Rows) > 0 && string(xs) == string(ys)
}

// TestCorruptSource opens the bank with one source file corrupt and another
// missing: opening succeeds, the other facts answer over HTTP, queries of the
// broken tables answer 503 source-unavailable naming table and source (no
// absolute path, no engine text), refreshing a rollup of a broken table
// fails cleanly while the others build, and /v1/rollups names both sources.
func TestCorruptSource(t *testing.T) {
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 1000, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "app_events.parquet"), []byte("not parquet at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "data", "balances.parquet")); err != nil {
		t.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatalf("one bad source stopped the project from opening: %v", err)
	}
	defer w.Close()
	srv := httptest.NewServer(api.New(w, api.Options{}))
	defer srv.Close()
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, b := call("POST", "/v1/query", `{"metrics":["txn_amount"],"dimensions":["customers.segment"]}`); code != 200 {
		t.Fatalf("a healthy fact: %d %s", code, b)
	}
	for table, q := range map[string]string{
		"app_events": `{"metrics":["app_users"],"dimensions":["customers.segment"]}`,
		"balances":   `{"metrics":["total_balance"]}`,
	} {
		code, b := call("POST", "/v1/query", q)
		var e apiErr
		_ = json.Unmarshal([]byte(b), &e)
		if code != 503 || e.Error.Code != "source-unavailable" || !strings.Contains(e.Error.Message, "table "+table) || !strings.Contains(e.Error.Message, "data/"+table+".parquet") {
			t.Errorf("%s: %d %s", table, code, b)
		}
		if strings.Contains(b, dir) || strings.Contains(b, "Error:") {
			t.Errorf("%s: the answer leaks: %s", table, b)
		}
	}
	if code, b := call("POST", "/v1/rollups/app_daily/refresh", ""); code != 500 || !strings.Contains(b, "build-failed") || strings.Contains(b, dir) {
		t.Errorf("refresh of a rollup over a broken source: %d %s", code, b)
	}
	if code, b := call("POST", "/v1/rollups/txn_daily/refresh", ""); code != 200 {
		t.Errorf("refresh of a healthy rollup: %d %s", code, b)
	}
	code, b := call("GET", "/v1/rollups", "")
	if code != 200 || !strings.Contains(b, `"table":"app_events"`) || !strings.Contains(b, `"table":"balances"`) || !strings.Contains(b, `"problem":"missing"`) || strings.Contains(b, dir) {
		t.Errorf("rollups: %d %s", code, b)
	}
}
