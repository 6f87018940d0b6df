package mysqlwire_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

// form is a statement in the SQL form and the JSON metric query it means.
type form struct {
	name, sql, json string
}

// forms covers every SQL form: fields as written and backquoted, grain
// fields, DATE_TRUNC and DATE, metrics bare, as MEASURE() and as their own
// aggregate, aliases, GROUP BY and ORDER BY by name, alias and position,
// LIMIT/OFFSET, WHERE, HAVING, drill-across and a semi-additive metric.
var forms = []form{
	{"issue_example", "SELECT customers.segment, transactions.txn_time.month, txn_amount, active_customers FROM transactions WHERE channels.name = 'mobile' GROUP BY 1, 2 HAVING txn_amount > 1000 ORDER BY txn_amount DESC LIMIT 10",
		`{"metrics":["txn_amount","active_customers"],"dimensions":["customers.segment","transactions.txn_time.month"],"where":"channels.name = 'mobile'","having":"txn_amount > 1000","order":["-txn_amount"],"limit":10}`},
	{"backquoted_measure", "SELECT `channels.name`, MEASURE(txn_count) FROM transactions GROUP BY `channels.name`",
		`{"metrics":["txn_count"],"dimensions":["channels.name"]}`},
	{"own_aggregate_alias", "SELECT customers.segment AS seg, SUM(txn_amount) AS amt FROM transactions GROUP BY seg ORDER BY amt DESC",
		`{"metrics":["txn_amount"],"dimensions":["customers.segment"],"order":["-txn_amount"]}`},
	{"date_trunc", "SELECT DATE_TRUNC('month', transactions.txn_time) AS m, txn_amount, txn_count FROM transactions GROUP BY 1 ORDER BY m",
		`{"metrics":["txn_amount","txn_count"],"dimensions":["transactions.txn_time.month"],"order":["transactions.txn_time.month"]}`},
	{"date_day", "SELECT DATE(transactions.txn_time), txn_count FROM transactions WHERE transactions.txn_time >= '2025-03-01' AND transactions.txn_time < '2025-03-08' GROUP BY 1 ORDER BY 1",
		`{"metrics":["txn_count"],"dimensions":["transactions.txn_time.day"],"where":"transactions.txn_time >= '2025-03-01' AND transactions.txn_time < '2025-03-08'","order":["transactions.txn_time.day"]}`},
	{"date_trunc_where", "SELECT channels.name, txn_count FROM transactions WHERE DATE_TRUNC('month', transactions.txn_time) = '2025-02-01' GROUP BY 1 ORDER BY 1",
		`{"metrics":["txn_count"],"dimensions":["channels.name"],"where":"transactions.txn_time.month = '2025-02-01'","order":["channels.name"]}`},
	{"limit_offset", "SELECT branches.region, txn_amount FROM transactions GROUP BY 1 ORDER BY 1 LIMIT 2 OFFSET 1",
		`{"metrics":["txn_amount"],"dimensions":["branches.region"],"order":["branches.region"],"limit":2,"offset":1}`},
	{"drill_across", "SELECT customers.segment, txn_amount, app_users FROM transactions GROUP BY 1 ORDER BY 1",
		`{"metrics":["txn_amount","app_users"],"dimensions":["customers.segment"],"order":["customers.segment"]}`},
	{"semi_additive", "SELECT balances.snapshot_date.month, total_balance FROM balances GROUP BY 1 ORDER BY 1",
		`{"metrics":["total_balance"],"dimensions":["balances.snapshot_date.month"],"order":["balances.snapshot_date.month"]}`},
	{"derived", "SELECT channels.name, avg_ticket, reversal_rate FROM transactions GROUP BY 1 ORDER BY 1",
		`{"metrics":["avg_ticket","reversal_rate"],"dimensions":["channels.name"],"order":["channels.name"]}`},
	{"count_distinct", "SELECT channels.name, COUNT(DISTINCT active_customers) FROM transactions GROUP BY 1 ORDER BY 1",
		`{"metrics":["active_customers"],"dimensions":["channels.name"],"order":["channels.name"]}`},
	{"no_dimensions", "SELECT txn_amount, txn_count, max_txn FROM transactions",
		`{"metrics":["txn_amount","txn_count","max_txn"]}`},
	{"where_in_having", "SELECT customers.segment, txn_amount FROM transactions WHERE channels.name IN ('mobile','web') AND customers.segment IS NOT NULL GROUP BY 1 HAVING SUM(txn_amount) > 0 ORDER BY 1",
		`{"metrics":["txn_amount"],"dimensions":["customers.segment"],"where":"channels.name IN ('mobile','web') AND customers.segment IS NOT NULL","having":"txn_amount > 0","order":["customers.segment"]}`},
	{"values_distinct", "SELECT DISTINCT customers.segment, channels.name FROM transactions WHERE channels.name <> 'atm' ORDER BY 1 DESC, 2 LIMIT 8",
		`{"dimensions":["customers.segment","channels.name"],"from":"transactions","where":"channels.name <> 'atm'","order":["-customers.segment","channels.name"],"limit":8}`},
	{"values_group_by", "SELECT balances.snapshot_date.quarter AS q, branches.region FROM balances GROUP BY q, branches.region ORDER BY q, 2",
		`{"dimensions":["balances.snapshot_date.quarter","branches.region"],"from":"balances","order":["balances.snapshot_date.quarter","branches.region"]}`},
}

// expected answers a form's JSON query and renders the cells as the MySQL
// text protocol carries them.
func expected(t *testing.T, f form, noRollup bool) ([]string, string) {
	t.Helper()
	q, err := plan.DecodeQuery([]byte(f.json))
	if err != nil {
		t.Fatal(err)
	}
	q.NoRollup = noRollup
	res, err := wh.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: JSON query: %v", f.name, err)
	}
	return cells(res), res.Meta.ServedBy
}

// cells renders rows as tab-separated lines: decimals with their column's
// scale, dates as 2006-01-02, timestamps as 2006-01-02 15:04:05, NULL.
func cells(res *service.Result) []string {
	var out []string
	for _, row := range res.Rows {
		parts := make([]string, len(row))
		for i, v := range row {
			typ := res.Columns[i].Type
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case float64:
				if strings.HasPrefix(typ, "decimal") {
					scale, _ := strconv.Atoi(strings.TrimSuffix(typ[strings.IndexByte(typ, ',')+1:], ")"))
					parts[i] = strconv.FormatFloat(x, 'f', scale, 64)
				} else {
					parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
				}
			case time.Time:
				if typ == "date" {
					parts[i] = x.Format("2006-01-02")
				} else {
					parts[i] = x.Format("2006-01-02 15:04:05")
				}
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "\t"))
	}
	return out
}

// scanAll reads every row as text lines.
func scanAll(t *testing.T, rows *sql.Rows) []string {
	t.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, "\t"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameRows(t *testing.T, what string, want, got []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the JSON query returned no rows; the case proves nothing", what)
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("%s differs from the JSON query\n--- JSON\n%s\n--- SQL\n%s", what, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestEqualityGoSQLDriver runs every form through go-sql-driver/mysql, on
// the rollup and raw paths, against the JSON query's answer.
func TestEqualityGoSQLDriver(t *testing.T) {
	served := 0
	for _, path := range []string{"rollup", "raw"} {
		db := open(t, "")
		db.SetMaxOpenConns(1) // the session variable lives on one connection
		if path == "raw" {
			if _, err := db.Exec("SET strata_no_rollup = 1"); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range forms {
			t.Run(path+"/"+f.name, func(t *testing.T) {
				want, by := expected(t, f, path == "raw")
				if path == "rollup" && by != "raw" {
					served++
				}
				if path == "raw" && by != "raw" {
					t.Fatalf("the raw path was served by %s", by)
				}
				rows, err := db.Query(f.sql)
				if err != nil {
					t.Fatal(err)
				}
				sameRows(t, f.name, want, scanAll(t, rows))
			})
		}
	}
	if served < len(forms)/2 {
		t.Errorf("only %d of %d forms were served by a rollup; the rollup path is not exercised", served, len(forms))
	}
}

// TestEqualityPrepared binds a placeholder through the binary protocol.
func TestEqualityPrepared(t *testing.T) {
	db := open(t, "")
	want, _ := expected(t, form{name: "prepared", json: `{"metrics":["txn_amount","txn_count"],"dimensions":["customers.segment"],"where":"channels.name = 'web' AND transactions.amount > 10","order":["customers.segment"]}`}, false)
	stmt, err := db.Prepare("SELECT customers.segment, txn_amount, txn_count FROM transactions WHERE channels.name = ? AND transactions.amount > ? GROUP BY 1 ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	rows, err := stmt.Query("web", 10)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "prepared", want, scanAll(t, rows))
}

// TestEqualityMariaDBClient runs every form through Debian's mariadb client
// binary, on both paths.
func TestEqualityMariaDBClient(t *testing.T) {
	bin, err := exec.LookPath("mariadb")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the mariadb client is not installed; .ci/run installs it (apt-get install -y mariadb-client)")
		}
		t.Skip("the mariadb client is not installed; run `apt-get install -y mariadb-client` to run this test")
	}
	host, port, _ := strings.Cut(addr, ":")
	for _, path := range []string{"rollup", "raw"} {
		for _, f := range forms {
			t.Run(path+"/"+f.name, func(t *testing.T) {
				want, _ := expected(t, f, path == "raw")
				stmt := f.sql
				if path == "raw" {
					stmt = "SET strata_no_rollup = 1; " + stmt
				}
				cmd := exec.Command(bin, "--protocol=TCP", "-h", host, "-P", port, "-u", "analyst", "-px", "--batch", "--raw", "--skip-column-names", "-e", stmt, "retail_bank")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("mariadb: %v\n%s", err, out)
				}
				got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
				sameRows(t, f.name, want, got)
			})
		}
	}
}

// TestColumnTypes checks that result types are faithful: DECIMAL with its
// scale, DATE, DATETIME, BIGINT, VARCHAR, and the statement's aliases.
func TestColumnTypes(t *testing.T) {
	db := open(t, "")
	rows, err := db.Query("SELECT customers.segment AS `Segment`, transactions.txn_time.month, transactions.txn_time.hour, txn_amount AS amount, txn_count FROM transactions GROUP BY 1, 2, 3 LIMIT 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ct := range types {
		s := ct.Name() + " " + ct.DatabaseTypeName()
		if p, sc, ok := ct.DecimalSize(); ok && ct.DatabaseTypeName() == "DECIMAL" {
			s += fmt.Sprintf("(%d,%d)", p, sc)
		}
		got = append(got, s)
	}
	want := []string{"Segment VARCHAR", "transactions.txn_time.month DATE", "transactions.txn_time.hour DATETIME", "amount DECIMAL(38,2)", "txn_count BIGINT"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("column types:\n got %v\nwant %v", got, want)
	}
	sort.Strings(got)
}
