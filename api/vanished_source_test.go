package api_test

import (
	"context"
	"encoding/json"
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

// TestSourceRemovedWhileServing: a source file removed while the server runs
// makes the queries that read it raw a 503 source-unavailable naming the
// table (not a 500 engine error); other tables still answer, and the same
// query answers again, unchanged, once the file is back.
func TestSourceRemovedWhileServing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if _, err := bankgen.Generate(ctx, data, bankgen.Options{Transactions: 2000, Seed: 9}); err != nil {
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
	if _, err := w.Materializer().RefreshTags(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(w, api.Options{CacheEntries: -1}))
	defer srv.Close()
	var post func(path, q string) (int, string)
	ask := func(q string) (int, string) {
		t.Helper()
		return post("/v1/query", q)
	}
	post = func(path, q string) (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(q))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const byRegion = `{"metrics":["txn_count"],"dimensions":["branches.region"],"no_rollup":true}`
	const byChannel = `{"metrics":["txn_count"],"dimensions":["channels.name"],"no_rollup":true}`
	st, before := ask(byRegion)
	if st != 200 {
		t.Fatalf("before: %d %s", st, before)
	}
	src := filepath.Join(data, "branches.parquet")
	if err := os.Rename(src, src+".away"); err != nil {
		t.Fatal(err)
	}
	st, b := ask(byRegion)
	var e apiErr
	_ = json.Unmarshal([]byte(b), &e)
	if st != 503 || e.Error.Code != "source-unavailable" || !strings.Contains(e.Error.Message, "branches") || strings.Contains(b, dir) {
		t.Errorf("with branches.parquet gone: %d %s", st, b)
	}
	if st, b := ask(byChannel); st != 200 {
		t.Errorf("a query not reading branches: %d %s", st, b)
	}
	// An audience profiled by region reads branches too.
	st, b = post("/v1/audiences", `{"expr":"high_value","profile":["branches.region"]}`)
	e.Error.Code = ""
	_ = json.Unmarshal([]byte(b), &e)
	if st != 503 || e.Error.Code != "source-unavailable" || !strings.Contains(e.Error.Message, "branches") {
		t.Errorf("an audience profile with branches.parquet gone: %d %s", st, b)
	}
	if st, b := post("/v1/audiences", `{"expr":"high_value","profile":["customers.segment"]}`); st != 200 {
		t.Errorf("an audience profile not reading branches: %d %s", st, b)
	}
	if err := os.Rename(src+".away", src); err != nil {
		t.Fatal(err)
	}
	if st, after := ask(byRegion); st != 200 || after == "" || !sameJSONRows(t, before, after) {
		t.Errorf("with the file back: %d %s, before %s", st, after, before)
	}
}

func sameJSONRows(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y struct{ Rows [][]any }
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x.Rows)
	yb, _ := json.Marshal(y.Rows)
	return string(xb) == string(yb)
}
