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
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// scopedModel adds API keys and a rollup that keeps branches.region to the
// example bank: east and west dashboards limited to their region (east also
// to two metrics), and an unscoped admin.
const scopedModel = `
rollups:
  - name: txn_region_monthly
    metrics: [txn_amount, txn_count]
    dimensions: [branches.region, customers.segment]
    time: { field: transactions.txn_time, grain: month }
`

const scopedSettings = `
api:
  keys:
    - name: east_dashboard
      token: ${STRATA_TEST_KEY_EAST}
      where: branches.region = 'East'
      metrics: [txn_amount, txn_count]
    - name: west_dashboard
      token: ${STRATA_TEST_KEY_WEST}
      where: branches.region = 'West'
    - name: admin
      token: ${STRATA_TEST_KEY_ADMIN}
    - name: unset
      token: ${STRATA_TEST_KEY_NEVER_SET}
`

// countingEngine counts the queries that reach the engine and can slow them
// down, so that concurrent requests overlap.
type countingEngine struct {
	engine.Engine
	queries atomic.Int64
	delay   atomic.Int64 // nanoseconds
}

func (e *countingEngine) Query(ctx context.Context, sql string, args ...any) (*engine.Result, error) {
	e.queries.Add(1)
	if d := time.Duration(e.delay.Load()); d > 0 {
		time.Sleep(d)
	}
	return e.Engine.Query(ctx, sql, args...)
}

type scopedEnv struct {
	url     string
	dir     string
	eng     *countingEngine
	project *service.Project
}

var (
	scopedOnce sync.Once
	scoped     *scopedEnv
	scopedErr  error
)

// scopedServer serves the bank with keys on a real listener.
func scopedServer(t *testing.T) *scopedEnv {
	t.Helper()
	scopedOnce.Do(func() { scoped, scopedErr = startScoped() })
	if scopedErr != nil {
		t.Fatal(scopedErr)
	}
	return scoped
}

func startScoped() (*scopedEnv, error) {
	os.Setenv("STRATA_TEST_KEY_EAST", "east-token")
	os.Setenv("STRATA_TEST_KEY_WEST", "west-token")
	os.Setenv("STRATA_TEST_KEY_ADMIN", "admin-token")
	dir, err := os.MkdirTemp("", "strata-keys-*")
	if err != nil {
		return nil, err
	}
	if err := banktest.CopyModel(dir); err != nil {
		return nil, err
	}
	settings, _ := os.ReadFile(filepath.Join(dir, "strata.yaml"))
	if err := os.WriteFile(filepath.Join(dir, "strata.yaml"), append(settings, scopedSettings...), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "scoped.yaml"), []byte(scopedModel), 0o644); err != nil {
		return nil, err
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 3000, Seed: 11}); err != nil {
		return nil, err
	}
	p, cat, err := banktest.Load(dir)
	if err != nil {
		return nil, err
	}
	db, err := duckdb.Open("", 0)
	if err != nil {
		return nil, err
	}
	eng := &countingEngine{Engine: db}
	w, err := service.New(ctx, cat, eng, sqlgen.DuckDB{})
	if err != nil {
		return nil, err
	}
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		return nil, err
	}
	keys, unset := api.KeysFrom(p)
	if len(keys) != 3 || len(unset) != 1 || !strings.HasPrefix(unset[0], "unset") {
		return nil, fmt.Errorf("keys %v, unset %v", keys, unset)
	}
	srv := httptest.NewServer(api.New(w, api.Options{Keys: keys, KeysConfigured: true}))
	return &scopedEnv{url: srv.URL, dir: dir, eng: eng, project: w}, nil
}

type answer struct {
	Columns []struct{ Name string }
	Rows    [][]any
	Meta    struct {
		ServedBy  string `json:"served_by"`
		SQL       string `json:"sql"`
		Cached    bool   `json:"cached"`
		RequestID string `json:"request_id"`
		Freshness string `json:"freshness"`
	}
	Error *struct {
		Code    string
		Message string
	}
}

func (e *scopedEnv) call(t *testing.T, token, method, path, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *scopedEnv) query(t *testing.T, token, q string) (int, answer) {
	t.Helper()
	resp, b := e.call(t, token, "POST", "/v1/query", q)
	var a answer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: not JSON: %s", q, b)
	}
	return resp.StatusCode, a
}

// cells renders rows as sorted strings, for comparisons that ignore order.
func cells(rows [][]any) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprint(r...))
	}
	sort.Strings(out)
	return out
}

// oracle runs hand-written SQL over the raw files with DuckDB alone.
func (e *scopedEnv) oracle(t *testing.T, sql string) [][]any {
	t.Helper()
	db, err := duckdb.Open("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	data := filepath.Join(e.dir, "data")
	sql = strings.ReplaceAll(sql, "@", data+"/")
	res, err := db.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	return res.Rows
}

// TestScopedKeyReadsOnlyItsScope tries every way out of a key's scope: a
// where that ORs around it, a filter on another region, a dimension that
// would show other regions, a disallowed metric (also inside having), the
// catalog, explain, and a rollup that holds every region.
func TestScopedKeyReadsOnlyItsScope(t *testing.T) {
	e := scopedServer(t)
	want := e.oracle(t, `SELECT CAST(SUM(t.amount) AS VARCHAR) FROM '@transactions.parquet' t
		JOIN '@customers.parquet' c ON t.customer_id = c.customer_id
		JOIN '@branches.parquet' b ON c.branch_id = b.branch_id
		WHERE t.status = 'posted' AND b.region = 'East'`)
	eastTotal := fmt.Sprint(want[0][0])

	for _, where := range []string{"", "branches.region = 'West' OR 1 = 1", "1 = 1 OR branches.region <> 'East'", "NOT (branches.region = 'East') OR TRUE"} {
		q := `{"metrics":["txn_amount"]`
		if where != "" {
			q += `,"where":` + jsonString(where)
		}
		q += `}`
		st, a := e.query(t, "east-token", q)
		if st != 200 || len(a.Rows) != 1 || fmt.Sprint(a.Rows[0][0]) != eastTotal {
			t.Errorf("where %q: %d %v, want East's total %s", where, st, a.Rows, eastTotal)
		}
	}
	st, a := e.query(t, "east-token", `{"metrics":["txn_amount"],"where":"branches.region = 'West'"}`)
	if st != 200 || len(a.Rows) != 1 || a.Rows[0][0] != nil {
		t.Errorf("West through the east key: %d %v, want no amount", st, a.Rows)
	}
	st, a = e.query(t, "east-token", `{"metrics":["txn_count"],"dimensions":["branches.region","branches.city"]}`)
	if st != 200 || len(a.Rows) == 0 {
		t.Fatalf("by city: %d %+v", st, a)
	}
	for _, r := range a.Rows {
		if r[0] != "East" {
			t.Errorf("east key sees region %v", r)
		}
	}
	for _, q := range []string{
		`{"metrics":["active_customers"]}`,
		`{"metrics":["txn_amount"],"having":"active_customers > 0","dimensions":["customers.segment"]}`,
	} {
		st, a := e.query(t, "east-token", q)
		if st != 403 || a.Error == nil || a.Error.Code != "forbidden-metric" || !strings.Contains(a.Error.Message, "active_customers") {
			t.Errorf("%s: %d %+v, want 403 naming active_customers", q, st, a.Error)
		}
	}

	resp, b := e.call(t, "east-token", "GET", "/v1/catalog", "")
	var cat struct{ Metrics []struct{ Name string } }
	json.Unmarshal(b, &cat)
	if resp.StatusCode != 200 || len(cat.Metrics) != 2 {
		t.Errorf("east catalog: %d %s", resp.StatusCode, b)
	}
	resp, b = e.call(t, "admin-token", "GET", "/v1/catalog", "")
	json.Unmarshal(b, &cat)
	if resp.StatusCode != 200 || len(cat.Metrics) < 20 {
		t.Errorf("admin catalog: %d metrics", len(cat.Metrics))
	}

	// A rollup keeping the scope's field serves the key, exactly; one that
	// does not is refused with the scope as the reason.
	q := `{"metrics":["txn_amount","txn_count"],"dimensions":["customers.segment","transactions.txn_time.month"]}`
	st, viaRollup := e.query(t, "east-token", q)
	st2, viaRaw := e.query(t, "east-token", strings.TrimSuffix(q, "}")+`,"no_rollup":true}`)
	if st != 200 || st2 != 200 || viaRollup.Meta.ServedBy != "txn_region_monthly" || viaRaw.Meta.ServedBy != "raw" {
		t.Fatalf("served by %q / %q (%d %d)", viaRollup.Meta.ServedBy, viaRaw.Meta.ServedBy, st, st2)
	}
	if a, b := cells(viaRollup.Rows), cells(viaRaw.Rows); fmt.Sprint(a) != fmt.Sprint(b) || len(a) == 0 {
		t.Errorf("rollup and raw differ for the east key:\n%v\n%v", a, b)
	}
	_, adminAll := e.query(t, "admin-token", q)
	if fmt.Sprint(cells(adminAll.Rows)) == fmt.Sprint(cells(viaRollup.Rows)) {
		t.Errorf("the east key got every region's numbers")
	}
	resp, b = e.call(t, "east-token", "POST", "/v1/explain", `{"metrics":["txn_amount"],"dimensions":["channels.name"]}`)
	var x struct {
		ServedBy string `json:"served_by"`
		SQL      string `json:"sql"`
		Rollups  []struct{ Rollup, Code, Reason string }
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &x) != nil {
		t.Fatalf("explain %d: %s", resp.StatusCode, b)
	}
	if x.ServedBy != "raw" || !strings.Contains(x.SQL, "'East'") || strings.Contains(x.SQL, "'West'") {
		t.Errorf("explain: served by %s, SQL:\n%s", x.ServedBy, x.SQL)
	}
	found := false
	for _, r := range x.Rollups {
		if r.Rollup == "txn_daily" && r.Code == "scope_field" && strings.Contains(r.Reason, "branches.region") {
			found = true
		}
	}
	if !found {
		t.Errorf("explain does not say the scope kept txn_daily out: %s", b)
	}
}

// TestKeysAuthenticate: configured keys close the API, even the key whose
// token variable is unset; only Bearer tokens of the project's keys pass.
func TestKeysAuthenticate(t *testing.T) {
	e := scopedServer(t)
	for _, c := range []struct {
		header string
		status int
	}{
		{"", 401}, {"east-token", 401}, {"Bearer ", 401}, {"Bearer nope", 401}, {"Basic east-token", 401},
		{"Bearer east-token", 200}, {"bearer admin-token", 200},
	} {
		req, _ := http.NewRequest("GET", e.url+"/v1/catalog", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("Authorization %q: %d, want %d", c.header, resp.StatusCode, c.status)
		}
	}
	resp, _ := e.call(t, "", "GET", "/readyz", "")
	if resp.StatusCode != 200 {
		t.Errorf("readyz: %d", resp.StatusCode)
	}
}

// TestCacheKeysScopesAndInvalidation: an answer is cached per scope, its
// ETag answers 304, and a refresh or a source change moves the key on.
func TestCacheKeysScopesAndInvalidation(t *testing.T) {
	e := scopedServer(t)
	q := `{"metrics":["txn_count"],"dimensions":["customers.segment"]}`
	fetch := func(token string, header ...string) (*http.Response, answer) {
		resp, b := e.call(t, token, "POST", "/v1/query", q, header...)
		var a answer
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatal(err)
			}
		}
		return resp, a
	}
	r1, east1 := fetch("east-token", "X-Request-Id", "req-east-1")
	r2, east2 := fetch("east-token")
	if east1.Meta.Cached || !east2.Meta.Cached || fmt.Sprint(east1.Rows) != fmt.Sprint(east2.Rows) {
		t.Fatalf("cached: %v then %v", east1.Meta.Cached, east2.Meta.Cached)
	}
	if east1.Meta.RequestID != "req-east-1" || r1.Header.Get("Strata-Request-Id") != "req-east-1" || r2.Header.Get("Strata-Request-Id") == "" {
		t.Errorf("request ids: %q %q", east1.Meta.RequestID, r2.Header.Get("Strata-Request-Id"))
	}
	etag := r1.Header.Get("ETag")
	if etag == "" || r2.Header.Get("ETag") != etag || !strings.Contains(r1.Header.Get("Cache-Control"), "private") {
		t.Fatalf("etag %q / %q, cache-control %q", etag, r2.Header.Get("ETag"), r1.Header.Get("Cache-Control"))
	}
	_, west := fetch("west-token")
	if west.Meta.Cached || fmt.Sprint(west.Rows) == fmt.Sprint(east1.Rows) {
		t.Errorf("the west key was served the east key's answer")
	}
	rw, _ := fetch("west-token", "If-None-Match", etag)
	if rw.StatusCode != 200 {
		t.Errorf("the east ETag answered the west key with %d", rw.StatusCode)
	}
	if resp, _ := fetch("east-token", "If-None-Match", etag); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	} else if cc := resp.Header.Get("Cache-Control"); cc != r1.Header.Get("Cache-Control") {
		t.Errorf("304 Cache-Control %q, the 200 had %q", cc, r1.Header.Get("Cache-Control"))
	}
	// A rollup-served answer: the 304 keeps its max-age.
	const rq = `{"metrics":["txn_count"],"dimensions":["customers.segment","transactions.txn_time.month"]}`
	ra, _ := e.call(t, "admin-token", "POST", "/v1/query", rq)
	if !strings.HasPrefix(ra.Header.Get("Cache-Control"), "private, max-age=") {
		t.Fatalf("rollup answer Cache-Control %q (served by %s)", ra.Header.Get("Cache-Control"), ra.Header.Get("Strata-Served-By"))
	}
	if rb, _ := e.call(t, "admin-token", "POST", "/v1/query", rq, "If-None-Match", ra.Header.Get("ETag")); rb.StatusCode != 304 || rb.Header.Get("Cache-Control") != ra.Header.Get("Cache-Control") {
		t.Errorf("rollup 304: %d Cache-Control %q, the 200 had %q", rb.StatusCode, rb.Header.Get("Cache-Control"), ra.Header.Get("Cache-Control"))
	}
	resp, b := e.call(t, "admin-token", "POST", "/v1/rollups/txn_monthly_segment/refresh", "")
	if resp.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", resp.StatusCode, b)
	}
	r3, east3 := fetch("east-token", "If-None-Match", etag)
	if r3.StatusCode != 200 || east3.Meta.Cached || r3.Header.Get("ETag") == etag {
		t.Errorf("after a refresh: %d cached=%v etag %q", r3.StatusCode, east3.Meta.Cached, r3.Header.Get("ETag"))
	}
	etag = r3.Header.Get("ETag")
	src := filepath.Join(e.dir, "data", "channels.parquet")
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	r4, east4 := fetch("east-token")
	if east4.Meta.Cached || r4.Header.Get("ETag") == etag {
		t.Errorf("after a source change: cached=%v etag unchanged=%v", east4.Meta.Cached, r4.Header.Get("ETag") == etag)
	}
}

// TestSingleFlight: 16 identical requests at once reach the engine once.
func TestSingleFlight(t *testing.T) {
	e := scopedServer(t)
	q := `{"metrics":["txn_amount"],"dimensions":["channels.name"],"where":"transactions.amount > 17"}`
	e.eng.delay.Store(int64(150 * time.Millisecond))
	defer e.eng.delay.Store(0)
	before := e.eng.queries.Load()
	var wg sync.WaitGroup
	var ok, cached atomic.Int64
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, b := e.call(t, "admin-token", "POST", "/v1/query", q)
			var a answer
			if resp.StatusCode == 200 && json.Unmarshal(b, &a) == nil {
				ok.Add(1)
				if a.Meta.Cached {
					cached.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := e.eng.queries.Load() - before; n != 1 || ok.Load() != 16 || cached.Load() != 15 {
		t.Errorf("engine queries %d (want 1), answered %d, cached %d", n, ok.Load(), cached.Load())
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestScopedKeySuggestions: a misspelt metric is answered with a suggestion
// among the metrics the key may read, never one the catalog hides from it;
// an unscoped key is pointed at any metric.
func TestScopedKeySuggestions(t *testing.T) {
	e := scopedServer(t)
	cases := []struct{ token, metric, want, not string }{
		{"east-token", "txn_amout", `did you mean "txn_amount"?`, ""},
		{"east-token", "active_customer", "", "active_customers"},
		{"admin-token", "active_customer", `did you mean "active_customers"?`, ""},
	}
	for _, c := range cases {
		st, a := e.query(t, c.token, `{"metrics":[`+jsonString(c.metric)+`]}`)
		if st != 400 || a.Error == nil || a.Error.Code != "unknown-metric" {
			t.Errorf("%s asking %s: %d %+v", c.token, c.metric, st, a.Error)
			continue
		}
		if !strings.Contains(a.Error.Message, c.want) || (c.not != "" && strings.Contains(a.Error.Message, c.not)) {
			t.Errorf("%s asking %s: %q", c.token, c.metric, a.Error.Message)
		}
	}
	// The SQL form: a misspelt column, and an aggregate of a field, which
	// is answered with the metric that aggregates it.
	sqlCases := []struct{ token, sql, want, not string }{
		{"east-token", "SELECT txn_amout FROM transactions", `did you mean "txn_amount"?`, ""},
		{"east-token", "SELECT active_customer FROM transactions", "", "active_customers"},
		{"east-token", "SELECT COUNT(DISTINCT transactions.customer_id) FROM transactions", "", "active_customers"},
		{"east-token", "SELECT MAX(transactions.amount) FROM transactions", "", "max_txn"},
		{"east-token", "SELECT COUNT(transactions.txn_id) FROM transactions", "txn_count", ""},
		{"admin-token", "SELECT active_customer FROM transactions", `did you mean "active_customers"?`, ""},
		{"admin-token", "SELECT MAX(transactions.amount) FROM transactions", "max_txn", ""},
	}
	for _, c := range sqlCases {
		resp, b := e.call(t, c.token, "POST", "/v1/sql", `{"sql":`+jsonString(c.sql)+`}`)
		var a answer
		_ = json.Unmarshal(b, &a)
		if resp.StatusCode != 400 || a.Error == nil {
			t.Errorf("%s: %s: %d %s", c.token, c.sql, resp.StatusCode, b)
			continue
		}
		if !strings.Contains(a.Error.Message, c.want) || (c.not != "" && strings.Contains(a.Error.Message, c.not)) {
			t.Errorf("%s: %s: %q", c.token, c.sql, a.Error.Message)
		}
	}
}
