package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestValuesQueries: a query without metrics lists its dimensions' values
// over one fact's wide table, over the listener, as JSON and as SQL, from a
// rollup or the raw tables, equal to SELECT DISTINCT by hand; a key's scope
// limits the values as it limits metrics, and a key with a metric list
// lists no values of a fact it may read no metric of.
func TestValuesQueries(t *testing.T) {
	e := scopedServer(t)
	// Other tests change the sources under the shared server: build the
	// rollups from what the files hold now.
	if _, err := e.project.Refresh(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	all := cells(e.oracle(t, `SELECT DISTINCT b.region, c.segment FROM '@transactions.parquet' t
		LEFT JOIN '@customers.parquet' c ON t.customer_id = c.customer_id
		LEFT JOIN '@branches.parquet' b ON c.branch_id = b.branch_id`))
	east := cells(e.oracle(t, `SELECT DISTINCT b.region, c.segment FROM '@transactions.parquet' t
		JOIN '@customers.parquet' c ON t.customer_id = c.customer_id
		JOIN '@branches.parquet' b ON c.branch_id = b.branch_id
		WHERE b.region = 'East'`))
	if len(east) < 2 || len(all) <= len(east) {
		t.Fatalf("the data has %d region and segment pairs, %d in the East: the test checks nothing", len(all), len(east))
	}

	q := `{"dimensions":["branches.region","customers.segment"],"from":"transactions"}`
	for _, c := range []struct {
		token, body string
		want        []string
		servedBy    string
	}{
		{"admin-token", q, all, "txn_region_monthly"},
		{"admin-token", strings.TrimSuffix(q, "}") + `,"no_rollup":true}`, all, "raw"},
		{"east-token", q, east, "txn_region_monthly"},
		{"east-token", `{"dimensions":["branches.region","customers.segment"],"where":"branches.region = 'West' OR 1 = 1"}`, east, "txn_region_monthly"},
	} {
		st, a := e.query(t, c.token, c.body)
		if st != 200 {
			t.Fatalf("%s %s: %d %+v", c.token, c.body, st, a.Error)
		}
		if got := cells(a.Rows); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s %s:\n got %v\nwant %v", c.token, c.body, got, c.want)
		}
		if a.Meta.ServedBy != c.servedBy || len(a.Columns) != 2 {
			t.Errorf("%s %s: served by %s, %d columns", c.token, c.body, a.Meta.ServedBy, len(a.Columns))
		}
	}

	// The SQL form, DISTINCT or GROUP BY, is the same query.
	for _, sql := range []string{
		"SELECT DISTINCT branches.region, customers.segment FROM transactions",
		"SELECT branches.region AS r, customers.segment FROM transactions GROUP BY 1, 2 ORDER BY r DESC",
	} {
		resp, b := e.call(t, "east-token", "POST", "/v1/sql", `{"sql":`+jsonString(sql)+`}`)
		var a answer
		if err := json.Unmarshal(b, &a); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", sql, resp.StatusCode, b)
		}
		if got := cells(a.Rows); fmt.Sprint(got) != fmt.Sprint(east) {
			t.Errorf("%s:\n got %v\nwant %v", sql, got, east)
		}
	}

	for _, c := range []struct {
		token, body, path string
		status            int
		code, says        string
	}{
		// Several facts reach the field: the query must name one.
		{"admin-token", `{"dimensions":["customers.segment"]}`, "/v1/query", 400, "no-metrics", `"from"`},
		{"admin-token", `{"metrics":["txn_amount"],"from":"transactions"}`, "/v1/query", 400, "bad-from", "from"},
		{"admin-token", `{"dimensions":["customers.segment"],"from":"transaction"}`, "/v1/query", 400, "unknown-table", `did you mean "transactions"`},
		{"admin-token", `{"dimensions":["customers.segment"],"from":"transactions","having":"txn_amount > 0"}`, "/v1/query", 400, "no-metrics", "having"},
		// The east key reads transaction metrics only.
		{"east-token", `{"dimensions":["customers.segment"],"from":"balances"}`, "/v1/query", 403, "forbidden-fact", "balances"},
		{"east-token", `{"sql":"SELECT DISTINCT customers.segment FROM balances"}`, "/v1/sql", 403, "forbidden-fact", "balances"},
		// A bare select list would mean every row.
		{"admin-token", `{"sql":"SELECT customers.segment FROM transactions"}`, "/v1/sql", 400, "not-supported", "DISTINCT"},
	} {
		resp, b := e.call(t, c.token, "POST", c.path, c.body)
		var a answer
		_ = json.Unmarshal(b, &a)
		if resp.StatusCode != c.status || a.Error == nil || a.Error.Code != c.code || !strings.Contains(a.Error.Message, c.says) {
			t.Errorf("%s %s: %d %s, want %d %s saying %s", c.token, c.body, resp.StatusCode, b, c.status, c.code, c.says)
		}
	}
	// The east key lists values of transactions without naming the fact:
	// balances is not its to read, so transactions is the only candidate.
	st, a := e.query(t, "east-token", `{"dimensions":["customers.segment"]}`)
	if st != 200 || a.Meta.ServedBy == "" || len(a.Rows) == 0 {
		t.Errorf("east key, values of a shared field: %d %+v", st, a)
	}
}
