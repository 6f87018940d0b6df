package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sqlForms pairs statements with the JSON queries they mean; the select lists
// follow the JSON result's column order (dimensions, then metrics).
var sqlForms = [][2]string{
	{"SELECT customers.segment, transactions.txn_time.month, txn_amount, active_customers FROM transactions WHERE channels.name = 'mobile' GROUP BY 1, 2 HAVING txn_amount > 1000 ORDER BY txn_amount DESC LIMIT 10",
		`{"metrics":["txn_amount","active_customers"],"dimensions":["customers.segment","transactions.txn_time.month"],"where":"channels.name = 'mobile'","having":"txn_amount > 1000","order":["-txn_amount"],"limit":10}`},
	{"SELECT `channels.name`, MEASURE(txn_count), SUM(txn_amount) FROM transactions GROUP BY `channels.name` ORDER BY 1",
		`{"metrics":["txn_count","txn_amount"],"dimensions":["channels.name"],"order":["channels.name"]}`},
	{"SELECT DATE_TRUNC('quarter', transactions.txn_time), txn_amount FROM transactions GROUP BY 1 ORDER BY 1 LIMIT 3 OFFSET 1",
		`{"metrics":["txn_amount"],"dimensions":["transactions.txn_time.quarter"],"order":["transactions.txn_time.quarter"],"limit":3,"offset":1}`},
	{"SELECT customers.segment, txn_amount, app_users FROM transactions GROUP BY 1 ORDER BY 1",
		`{"metrics":["txn_amount","app_users"],"dimensions":["customers.segment"],"order":["customers.segment"]}`},
}

// TestSQLEqualsQuery: `strata sql` returns exactly what `strata query -f`
// returns for the same metric query, on the rollup and raw paths.
func TestSQLEqualsQuery(t *testing.T) {
	dir := bankProject(t)
	if code, out, errs := run("refresh", "--project", dir, "txn_daily"); code != 0 {
		t.Fatalf("refresh exit %d: %s %s", code, out, errs)
	}
	served := map[string]bool{}
	for i, f := range sqlForms {
		qf := filepath.Join(t.TempDir(), "q.json")
		if err := os.WriteFile(qf, []byte(f[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, extra := range [][]string{nil, {"--no-rollup"}} {
			code, sqlOut, errs := run(append([]string{"sql", "--project", dir, "--format", "json", f[0]}, extra...)...)
			if code != 0 {
				t.Fatalf("form %d: strata sql exit %d: %s", i, code, errs)
			}
			code, qOut, errs := run(append([]string{"query", "--project", dir, "--format", "json", "-f", qf}, extra...)...)
			if code != 0 {
				t.Fatalf("form %d: strata query exit %d: %s", i, code, errs)
			}
			var a, b struct {
				Columns []struct{ Name, Type string }
				Rows    [][]any
				Meta    struct {
					ServedBy string `json:"served_by"`
				}
			}
			if json.Unmarshal([]byte(sqlOut), &a) != nil || json.Unmarshal([]byte(qOut), &b) != nil {
				t.Fatalf("form %d: not JSON:\n%s\n%s", i, sqlOut, qOut)
			}
			if len(b.Rows) == 0 {
				t.Fatalf("form %d: no rows; the case proves nothing", i)
			}
			ra, _ := json.Marshal(a.Rows)
			rb, _ := json.Marshal(b.Rows)
			if string(ra) != string(rb) || a.Meta.ServedBy != b.Meta.ServedBy {
				t.Errorf("form %d %v: sql (%s) %s\nquery (%s) %s", i, extra, a.Meta.ServedBy, ra, b.Meta.ServedBy, rb)
			}
			served[a.Meta.ServedBy] = true
		}
	}
	if !served["raw"] || len(served) < 2 {
		t.Errorf("sources seen: %v; want raw and a rollup", served)
	}
}

// TestSQLExplainAndErrors: --explain shows the metric query, the verdicts and
// the SQL; a bad statement fails with its line, column and a caret.
func TestSQLExplainAndErrors(t *testing.T) {
	dir := bankProject(t)
	code, out, errs := run("sql", "--project", dir, "--explain", "SELECT channels.name, txn_count FROM transactions WHERE customers.segment = 'mass' GROUP BY 1")
	if code != 0 {
		t.Fatalf("explain exit %d: %s", code, errs)
	}
	for _, want := range []string{`query: {"metrics":["txn_count"],"dimensions":["channels.name"],"where":"`, "served by:", "rollups:", "txn_monthly_segment:", "sql:"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	code, _, errs = run("sql", "--project", dir, "SELECT customers.segmnt,\n  txn_amount FROM transactions GROUP BY 1")
	if code != 1 || !strings.Contains(errs, `strata: line 1:8: unknown column "customers.segmnt"`) || !strings.Contains(errs, `did you mean "customers.segment"?`) || !strings.Contains(errs, "\n         ^") {
		t.Errorf("exit %d:\n%s", code, errs)
	}
	code, _, errs = run("sql", "--project", dir, "INSERT INTO transactions VALUES (1)")
	if code != 1 || !strings.Contains(errs, "read-only") {
		t.Errorf("insert: exit %d: %s", code, errs)
	}
	if code, _, _ := run("sql", "--project", dir); code != 2 {
		t.Errorf("no statement: exit %d, want 2", code)
	}
}
