package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

var (
	srvURL  string
	proj    *service.Project
	projDir string
	// bank is the warehouse behind the server, for hand-written SQL.
	bank *service.Project
)

// TestMain serves the example bank, with small generated data and its rollups
// built, on a real listener.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "strata-api-*")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := banktest.CopyModel(dir); err != nil {
			panic(err)
		}
		ctx := context.Background()
		if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 4000, Seed: 5}); err != nil {
			panic(err)
		}
		w, err := banktest.Open(ctx, dir, service.Options{})
		if err != nil {
			panic(err)
		}
		defer w.Close()
		proj, projDir = w, dir
		if _, err := w.Refresh(ctx, nil, nil); err != nil {
			panic(err)
		}
		if _, err := w.Materializer().RefreshTags(ctx, nil, nil); err != nil {
			panic(err)
		}
		srv := httptest.NewServer(api.New(w, api.Options{Token: "s3cret", MaxRows: 50, MaxBody: 4096}))
		defer srv.Close()
		srvURL, bank = srv.URL, w
		return m.Run()
	}()
	os.Exit(code)
}

func do(t *testing.T, method, path, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srvURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
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

type apiErr struct {
	Error struct {
		Code     string         `json:"code"`
		Message  string         `json:"message"`
		Position map[string]any `json:"position"`
	} `json:"error"`
}

func TestQueryJSON(t *testing.T) {
	resp, b := do(t, "POST", "/v1/query", `{"metrics":["txn_amount","active_customers"],"dimensions":["customers.segment"],"order":["-txn_amount"]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var res struct {
		Columns []struct{ Name, Type string }
		Rows    [][]any
		Meta    struct {
			ServedBy  string  `json:"served_by"`
			TookMS    float64 `json:"took_ms"`
			Freshness string  `json:"freshness"`
		}
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 5 || res.Meta.ServedBy != "txn_monthly_segment" || res.Meta.Freshness == "" {
		t.Fatalf("rows %d meta %+v", len(res.Rows), res.Meta)
	}
	if resp.Header.Get("Strata-Served-By") != "txn_monthly_segment" {
		t.Fatalf("header: %v", resp.Header)
	}
}

func TestQueryCSVAndArrow(t *testing.T) {
	q := `{"metrics":["txn_count","avg_amount"],"dimensions":["channels.name","transactions.txn_time.year"]}`
	resp, b := do(t, "POST", "/v1/query", q, "Accept", "text/csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "channels.name,transactions.txn_time.year,txn_count,avg_amount\n") {
		t.Fatalf("csv %d:\n%s", resp.StatusCode, b)
	}
	csvLines := strings.Count(strings.TrimSpace(string(b)), "\n")
	resp, b = do(t, "POST", "/v1/query", q, "Accept", "application/vnd.apache.arrow.stream")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apache.arrow.stream" {
		t.Fatalf("arrow %d: %s", resp.StatusCode, resp.Header)
	}
	rd, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	rows := 0
	for rd.Next() {
		rec := rd.RecordBatch()
		if rec.NumCols() != 4 || rec.Schema().Field(1).Type.Name() != "date32" || rec.Schema().Field(2).Type.Name() != "int64" {
			t.Fatalf("schema: %s", rec.Schema())
		}
		rows += int(rec.NumRows())
	}
	if rows != csvLines || rows == 0 {
		t.Fatalf("arrow rows %d, csv rows %d", rows, csvLines)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		method, path, body string
		status             int
		code, contains     string
	}{
		{"POST", "/v1/query", `{"metrics":["txn_amout"]}`, 400, "unknown-metric", `did you mean "txn_amount"`},
		{"POST", "/v1/query", `{"metrics":["txn_amount"],"where":"1; DROP TABLE transactions"}`, 400, "expr-syntax", "only one expression"},
		{"POST", "/v1/query", `{"metrics":["txn_amount"],"where":"channels.name = (SELECT 1)"}`, 400, "expr-not-allowed", "subqueries"},
		{"POST", "/v1/query", `{"metrics":["txn_amount"],"limit":99999999}`, 400, "bad-limit", "limit must be"},
		{"POST", "/v1/query", `{"metrics":["txn_amount"]`, 400, "bad-json", "malformed JSON"},
		{"POST", "/v1/query", `{"metric":["txn_amount"]}`, 400, "bad-json", `did you mean "metrics"`},
		{"POST", "/v1/query", `{"metrics":"txn_amount"}`, 400, "bad-json", "a list of strings"},
		{"POST", "/v1/query", `{"metrics":["txn_count"],"dimensions":["transactions.txn_id"]}`, 413, "too-large", "more than 50 rows"},
		{"POST", "/v1/query", `{"metrics":["txn_amount"],"where":"` + strings.Repeat("x", 5000) + `"}`, 413, "too-large", "over 4096 bytes"},
		{"GET", "/v1/nothing", ``, 404, "not-found", "no endpoint"},
		{"POST", "/v1/rollups/nope/refresh", ``, 404, "unknown-rollup", "unknown rollup"},
	}
	for _, c := range cases {
		resp, b := do(t, c.method, c.path, c.body)
		var e apiErr
		if err := json.Unmarshal(b, &e); err != nil {
			t.Errorf("%s %s: body is not JSON: %s", c.method, c.body, b)
			continue
		}
		if resp.StatusCode != c.status || e.Error.Code != c.code || !strings.Contains(e.Error.Message, c.contains) {
			t.Errorf("%s: got %d %+v; want %d %s %q", c.body, resp.StatusCode, e.Error, c.status, c.code, c.contains)
		}
	}
	_, b := do(t, "POST", "/v1/query", `{"metrics":["txn_amount"],"where":"channels.name = 'x' AND sleep(1) = 0"}`)
	var e apiErr
	json.Unmarshal(b, &e)
	if e.Error.Position["field"] != "where" || e.Error.Position["offset"] != float64(24) {
		t.Errorf("position: %+v", e.Error)
	}
}

func TestAuth(t *testing.T) {
	req, _ := http.NewRequest("GET", srvURL+"/v1/catalog", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	resp, err = http.Get(srvURL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
}

func TestCatalogRollupsExplainMetrics(t *testing.T) {
	resp, b := do(t, "GET", "/v1/catalog", "")
	var cat struct {
		Fields  []struct{ Name string }
		Metrics []struct {
			Name  string
			Facts []string
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &cat) != nil || len(cat.Fields) < 40 || len(cat.Metrics) != 31 {
		t.Fatalf("catalog %d: %d fields, %d metrics", resp.StatusCode, len(cat.Fields), len(cat.Metrics))
	}
	resp, b = do(t, "GET", "/v1/rollups", "")
	var st struct {
		Rollups []struct{ State string }
		Tags    []struct{ Name, State string }
	}
	fresh := 0
	if json.Unmarshal(b, &st) == nil {
		for _, r := range st.Rollups {
			if r.State == "fresh" {
				fresh++
			}
		}
	}
	if resp.StatusCode != 200 || fresh != 4 || len(st.Tags) != 4 {
		t.Fatalf("rollups %d: %s", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", "/v1/explain", `{"metrics":["txn_count"],"dimensions":["customers.age_band"]}`)
	var x struct {
		ServedBy string `json:"served_by"`
		Rollups  []struct{ Rollup, Reason string }
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &x) != nil || x.ServedBy != "raw" || !strings.Contains(string(b), "customers.age_band not in rollup") {
		t.Fatalf("explain %d: %s", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", "/v1/rollups/app_daily/refresh", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"rollup":"app_daily"`) {
		t.Fatalf("refresh %d: %s", resp.StatusCode, b)
	}
	// A query of its own, so that the counter has a series whichever tests
	// ran before.
	if resp, b := do(t, "POST", "/v1/query", `{"metrics":["txn_count"],"dimensions":["customers.age_band"]}`); resp.StatusCode != 200 {
		t.Fatalf("query %d: %s", resp.StatusCode, b)
	}
	resp, b = do(t, "GET", "/metrics", "")
	for _, want := range []string{`strata_queries_total{code="200",key="token",served_by="raw"}`, `strata_rollup_rows{rollup="txn_daily"}`, "strata_rollup_fresh"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	_ = resp
}
