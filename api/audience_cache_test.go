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
	"testing"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// TestAudienceAnswerCacheFollowsTagBuilds: a metric query restricted to an
// audience is cached like any other, and a rebuilt tag (new members, with no
// source or rollup changing since the answer was cached) is a new data
// version: the next answer is computed again and equals hand-written SQL over
// the raw files.
func TestAudienceAnswerCacheFollowsTagBuilds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if _, err := bankgen.Generate(ctx, data, bankgen.Options{Transactions: 3000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := service.New(ctx, cat, db, sqlgen.DuckDB{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Materializer().RefreshTags(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(w, api.Options{}))
	defer srv.Close()

	call := func(method, path, body string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return resp, b
	}
	const q = `{"metrics":["txn_count"],"audience":"high_value"}`
	ask := func() (count string, cached bool, etag string) {
		t.Helper()
		resp, b := call("POST", "/v1/query", q)
		var a answer
		if err := json.Unmarshal(b, &a); err != nil || len(a.Rows) != 1 {
			t.Fatalf("not one row: %s", b)
		}
		return fmt.Sprint(a.Rows[0][0]), a.Meta.Cached, resp.Header.Get("ETag")
	}
	oracle := func() string {
		t.Helper()
		o, err := duckdb.Open("", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		res, err := o.Query(ctx, fmt.Sprintf(`SELECT count(t.txn_id) FROM read_parquet('%s') t
			JOIN read_parquet('%s') c ON t.customer_id = c.customer_id WHERE c.aum >= 1000000`,
			filepath.Join(data, "transactions.parquet"), filepath.Join(data, "customers.parquet")))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(res.Rows[0][0])
	}

	before := oracle()
	if got, cached, _ := ask(); got != before || cached {
		t.Fatalf("first answer %s (cached %v), raw SQL %s", got, cached, before)
	}
	// More millionaires: every customer's aum ×20, written beside and renamed
	// over the source, so the source changes and the tag is now stale.
	customers := filepath.Join(data, "customers.parquet")
	tmp := filepath.Join(dir, "customers.new.parquet")
	if err := db.Exec(ctx, fmt.Sprintf(`COPY (SELECT * REPLACE (CAST(aum * 20 AS DECIMAL(18,2)) AS aum) FROM read_parquet('%s')) TO '%s' (FORMAT parquet)`, customers, tmp)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, customers); err != nil {
		t.Fatal(err)
	}
	after := oracle()
	if after == before {
		t.Fatalf("the rewrite did not change the audience's transactions (%s)", after)
	}
	// Until the tag is rebuilt the answer reads its old version, and is cached
	// under the new source fingerprint.
	if got, _, _ := ask(); got != before {
		t.Fatalf("before the tag build: %s, want the old version's %s", got, before)
	}
	_, cached, etag := ask()
	if !cached {
		t.Fatalf("the repeated query was not cached")
	}
	call("POST", "/v1/refresh", `{"names":["high_value"]}`)
	got, cached, etag2 := ask()
	if cached || etag2 == etag || got != after {
		t.Errorf("after the tag build: %s (cached %v, etag changed %v), raw SQL %s", got, cached, etag2 != etag, after)
	}
}
