package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// leaks lists what no error answer may hold: engine wording, Go stacks and
// file paths of the server (the project directory, absolute paths).
func leaks(t *testing.T, body string) []string {
	var out []string
	for _, bad := range []string{"Binder Error", "Catalog Error", "Parser Error", "IO Error", "Invalid Input Error", "duckdb", "DuckDB",
		"goroutine ", ".go:", "panic", "SELECT ", projDir, "/tmp/", "/work/", "/root/", "/home/"} {
		if strings.Contains(body, bad) {
			out = append(out, bad)
		}
	}
	return out
}

// TestBadInputsHTTP sends hostile and malformed requests to the DataAPI over a
// real listener — injection, oversize, malformed JSON, unknown names, bad
// grains, bad limits, wrong methods, bad credentials — and checks each
// answer's status and error code, and that it leaks nothing of the inside.
func TestBadInputsHTTP(t *testing.T) {
	q := func(s string) string { return `{"metrics":["txn_amount"],` + s + `}` }
	cases := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		code                     string
	}{
		{"unknown metric", "POST", "/v1/query", `{"metrics":["txn_amout"]}`, nil, 400, "unknown-metric"},
		{"stacked statement in where", "POST", "/v1/query", q(`"where":"1; DROP TABLE transactions"`), nil, 400, "expr-syntax"},
		{"subquery in where", "POST", "/v1/query", q(`"where":"channels.name = (SELECT 1)"`), nil, 400, "expr-not-allowed"},
		{"union in where", "POST", "/v1/query", q(`"where":"channels.name = 'a' UNION SELECT 1"`), nil, 400, "expr-syntax"},
		{"quote break-out in where", "POST", "/v1/query", q(`"where":"channels.name = 'a'); DROP TABLE x; --"`), nil, 400, "expr-syntax"},
		{"function call in where", "POST", "/v1/query", q(`"where":"sleep(5) = 0"`), nil, 400, "unknown-function"},
		{"table function in where", "POST", "/v1/query", q(`"where":"read_csv('/etc/passwd') IS NULL"`), nil, 400, "unknown-function"},
		{"injection in a dimension", "POST", "/v1/query", q(`"dimensions":["customers.segment; DROP TABLE customers"]`), nil, 400, "unknown-field"},
		{"injection in order", "POST", "/v1/query", q(`"order":["txn_amount; DROP TABLE x"]`), nil, 400, "bad-order"},
		{"injection in a metric name", "POST", "/v1/query", `{"metrics":["txn_amount) FROM x; --"]}`, nil, 400, "unknown-metric"},
		{"unknown field", "POST", "/v1/query", q(`"dimensions":["customers.segmnt"]`), nil, 400, "unknown-field"},
		{"unknown grain", "POST", "/v1/query", q(`"dimensions":["transactions.txn_time.fortnight"]`), nil, 400, "bad-grain"},
		{"grain on a non-time field", "POST", "/v1/query", q(`"dimensions":["customers.segment.month"]`), nil, 400, "bad-grain"},
		{"negative limit", "POST", "/v1/query", q(`"limit":-1`), nil, 400, "bad-limit"},
		{"huge limit", "POST", "/v1/query", q(`"limit":99999999`), nil, 400, "bad-limit"},
		{"negative offset", "POST", "/v1/query", q(`"offset":-5`), nil, 400, "bad-limit"},
		{"fractional limit", "POST", "/v1/query", q(`"limit":1.5`), nil, 400, "bad-json"},
		{"limit beyond int64", "POST", "/v1/query", q(`"limit":1e400`), nil, 400, "bad-json"},
		{"malformed JSON", "POST", "/v1/query", `{"metrics":["txn_amount"]`, nil, 400, "bad-json"},
		{"trailing data", "POST", "/v1/query", `{"metrics":["txn_amount"]} {"metrics":[]}`, nil, 400, "bad-json"},
		{"empty body", "POST", "/v1/query", ``, nil, 400, "bad-json"},
		{"array body", "POST", "/v1/query", `["txn_amount"]`, nil, 400, "bad-json"},
		{"key in the wrong case", "POST", "/v1/query", `{"Metrics":["txn_amount"]}`, nil, 400, "unknown-field"},
		{"repeated key", "POST", "/v1/query", `{"metrics":["txn_amount"],"metrics":["txn_count"]}`, nil, 400, "duplicate-key"},
		{"unknown key", "POST", "/v1/query", `{"metric":["txn_amount"]}`, nil, 400, "bad-json"},
		{"metrics not a list", "POST", "/v1/query", `{"metrics":"txn_amount"}`, nil, 400, "bad-json"},
		{"deeply nested JSON", "POST", "/v1/query", `{"metrics":` + strings.Repeat("[", 1500) + strings.Repeat("]", 1500) + `}`, nil, 400, "bad-json"},
		{"no metrics", "POST", "/v1/query", `{"dimensions":["customers.segment"]}`, nil, 400, "no-metrics"},
		{"nothing", "POST", "/v1/query", `{}`, nil, 400, "no-metrics"},
		{"metric in where", "POST", "/v1/query", q(`"where":"txn_amount > 5"`), nil, 400, "metric-in-where"},
		{"field in having", "POST", "/v1/query", q(`"dimensions":["customers.segment"],"having":"customers.segment = 'x'"`), nil, 400, "non-metric-in-having"},
		{"unknown freshness", "POST", "/v1/query", q(`"freshness":"forever"`), nil, 400, "bad-value"},
		{"freshness past a duration", "POST", "/v1/query", q(`"freshness":"99999999999 years"`), nil, 400, "bad-value"},
		{"freshness count past int", "POST", "/v1/query", q(`"freshness":"999999999999999999999999 days"`), nil, 400, "bad-value"},
		{"oversize body", "POST", "/v1/query", q(`"where":"` + strings.Repeat("x", 5000) + `"`), nil, 413, "too-large"},
		{"result over max rows", "POST", "/v1/query", `{"metrics":["txn_count"],"dimensions":["transactions.txn_id"]}`, nil, 413, "too-large"},
		{"explain of a bad query", "POST", "/v1/explain", `{"metrics":["nope"]}`, nil, 400, "unknown-metric"},
		{"query with GET", "GET", "/v1/query", ``, nil, 405, "method-not-allowed"},
		{"catalog with DELETE", "DELETE", "/v1/catalog", ``, nil, 405, "method-not-allowed"},
		{"refresh with GET", "GET", "/v1/rollups/txn_daily/refresh", ``, nil, 405, "method-not-allowed"},
		{"unknown endpoint", "GET", "/v1/nothing", ``, nil, 404, "not-found"},
		{"path traversal", "GET", "/v1/../../etc/passwd", ``, nil, 404, "not-found"},
		{"unknown rollup", "POST", "/v1/rollups/nope/refresh", ``, nil, 404, "unknown-rollup"},
		{"injection in a rollup name", "POST", "/v1/rollups/x';DROP%20TABLE%20y;--/refresh", ``, nil, 404, "unknown-rollup"},
		{"no credentials", "GET", "/v1/catalog", ``, []string{"Authorization", ""}, 401, "unauthorized"},
		{"bare token", "GET", "/v1/catalog", ``, []string{"Authorization", "s3cret"}, 401, "unauthorized"},
		{"basic scheme", "GET", "/v1/catalog", ``, []string{"Authorization", "Basic s3cret"}, 401, "unauthorized"},
		{"wrong token", "GET", "/v1/catalog", ``, []string{"Authorization", "Bearer s3cre"}, 401, "unauthorized"},
		{"token as prefix", "GET", "/v1/catalog", ``, []string{"Authorization", "Bearer s3cretX"}, 401, "unauthorized"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := do(t, c.method, c.path, c.body, c.header...)
			var e apiErr
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("%d, body is not JSON: %.300s", resp.StatusCode, b)
			}
			if resp.StatusCode != c.status || (c.code != "" && e.Error.Code != c.code) || e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("got %d %+v; want %d %s", resp.StatusCode, e.Error, c.status, c.code)
			}
			if l := leaks(t, string(b)); len(l) > 0 {
				t.Errorf("the answer leaks %v: %.300s", l, b)
			}
			if resp.Header.Get("Strata-Request-Id") == "" {
				t.Error("no request id")
			}
			if resp.StatusCode == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestHTTPStrictness: HEAD works where GET does; 405 names the methods; a
// client's X-Request-Id is echoed; 413 and 401 are counted in /metrics under
// their own codes.
func TestHTTPStrictness(t *testing.T) {
	resp, b := do(t, "HEAD", "/v1/catalog", "")
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("HEAD catalog: %d, %d bytes", resp.StatusCode, len(b))
	}
	resp, _ = do(t, "GET", "/v1/query", "")
	if resp.Header.Get("Allow") != "POST" {
		t.Fatalf("Allow: %q", resp.Header.Get("Allow"))
	}
	resp, _ = do(t, "DELETE", "/v1/catalog", "")
	if resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("Allow: %q", resp.Header.Get("Allow"))
	}
	resp, _ = do(t, "GET", "/healthz", "", "X-Request-Id", "abc-123")
	if resp.Header.Get("Strata-Request-Id") != "abc-123" || resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("request id not echoed: %v", resp.Header)
	}
	do(t, "POST", "/v1/query", `{"metrics":["txn_count"],"dimensions":["transactions.txn_id"]}`)
	_, m := do(t, "GET", "/metrics", "")
	for _, want := range []string{`strata_queries_total{code="413",`, `strata_http_requests_total{code="413",route="/v1/query"}`, `strata_http_requests_total{code="405",route="unmatched"}`, `strata_http_requests_total{code="401",route="/v1/catalog"}`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	_ = http.MethodHead
}
