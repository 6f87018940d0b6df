package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSQLEqualsQuery: POST /v1/sql answers exactly what POST /v1/query does
// for the metric query the statement means, with the same headers, on the
// rollup and raw paths, in JSON and CSV.
func TestSQLEqualsQuery(t *testing.T) {
	forms := [][2]string{
		{"SELECT customers.segment, txn_amount, active_customers FROM transactions WHERE channels.name = 'mobile' GROUP BY 1 HAVING txn_amount > 10 ORDER BY txn_amount DESC LIMIT 3",
			`"metrics":["txn_amount","active_customers"],"dimensions":["customers.segment"],"where":"channels.name = 'mobile'","having":"txn_amount > 10","order":["-txn_amount"],"limit":3`},
		{"SELECT DATE_TRUNC('month', transactions.txn_time), SUM(txn_amount) FROM transactions GROUP BY 1 ORDER BY 1 LIMIT 4 OFFSET 2",
			`"metrics":["txn_amount"],"dimensions":["transactions.txn_time.month"],"order":["transactions.txn_time.month"],"limit":4,"offset":2`},
	}
	seen := map[string]bool{}
	for _, f := range forms {
		for _, raw := range []string{"false", "true"} {
			sqlBody, _ := json.Marshal(map[string]any{"sql": f[0], "no_rollup": raw == "true"})
			for _, accept := range []string{"application/json", "text/csv"} {
				r1, b1 := do(t, "POST", "/v1/sql", string(sqlBody), "Accept", accept)
				r2, b2 := do(t, "POST", "/v1/query", `{`+f[1]+`,"no_rollup":`+raw+`}`, "Accept", accept)
				if r1.StatusCode != 200 || r2.StatusCode != 200 {
					t.Fatalf("status %d %d: %s %s", r1.StatusCode, r2.StatusCode, b1, b2)
				}
				if r1.Header.Get("Strata-Served-By") != r2.Header.Get("Strata-Served-By") || r1.Header.Get("Strata-Took-Ms") == "" {
					t.Errorf("headers: %v vs %v", r1.Header, r2.Header)
				}
				seen[r1.Header.Get("Strata-Served-By")] = true
				if accept == "text/csv" {
					if string(b1) != string(b2) || strings.Count(string(b1), "\n") < 2 {
						t.Errorf("csv differs:\n%s\n%s", b1, b2)
					}
					continue
				}
				var a, b struct{ Rows [][]any }
				if json.Unmarshal(b1, &a) != nil || json.Unmarshal(b2, &b) != nil || len(b.Rows) == 0 {
					t.Fatalf("bodies: %s %s", b1, b2)
				}
				ra, _ := json.Marshal(a.Rows)
				rb, _ := json.Marshal(b.Rows)
				if string(ra) != string(rb) {
					t.Errorf("rows differ:\n%s\n%s", ra, rb)
				}
			}
		}
	}
	if !seen["raw"] || len(seen) < 2 {
		t.Errorf("sources seen: %v; want raw and a rollup", seen)
	}
}

// TestSQLErrors: a bad statement is a 400 whose position is a line and column.
func TestSQLErrors(t *testing.T) {
	cases := []struct{ body, code string }{
		{`{"sql": "SELECT customers.segmnt, txn_amount FROM transactions GROUP BY 1"}`, "unknown-field"},
		{`{"sql": "SELECT txn_amount FROM transactions JOIN customers ON 1 = 1"}`, "not-supported"},
		{`{"sql": "DROP TABLE transactions"}`, "read-only"},
		{`{"sql": "SELECT txn_amount FROM transactions WHERE"}`, "sql-syntax"},
	}
	for _, c := range cases {
		resp, body := do(t, "POST", "/v1/sql", c.body)
		var e apiErr
		if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Error.Code != c.code || e.Error.Position["line"] == nil || e.Error.Position["col"] == nil {
			t.Errorf("%s: %d %s", c.body, resp.StatusCode, body)
		}
	}
	if resp, body := do(t, "POST", "/v1/sql", `{"query": "x"}`); resp.StatusCode != 400 {
		t.Errorf("unknown field: %d %s", resp.StatusCode, body)
	}
}
