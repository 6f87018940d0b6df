package api_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/api/mysqlwire"
)

// TestSQLScopedByKey: /v1/sql applies the caller's key exactly as /v1/query
// does — rows limited to its region, metrics to its list.
func TestSQLScopedByKey(t *testing.T) {
	e := scopedServer(t)
	stmt := "SELECT branches.region, txn_amount, txn_count FROM transactions GROUP BY 1 ORDER BY 1"
	q := `{"metrics":["txn_amount","txn_count"],"dimensions":["branches.region"],"order":["branches.region"]}`
	body, _ := json.Marshal(map[string]string{"sql": stmt})
	for _, token := range []string{"east-token", "admin-token"} {
		_, b1 := e.call(t, token, "POST", "/v1/sql", string(body))
		_, b2 := e.call(t, token, "POST", "/v1/query", q)
		var a, b answer
		if json.Unmarshal(b1, &a) != nil || json.Unmarshal(b2, &b) != nil || len(b.Rows) == 0 {
			t.Fatalf("%s: %s / %s", token, b1, b2)
		}
		if fmt.Sprint(a.Rows) != fmt.Sprint(b.Rows) {
			t.Errorf("%s: sql %v, query %v", token, a.Rows, b.Rows)
		}
		if token == "east-token" && (len(a.Rows) != 1 || a.Rows[0][0] != "East") {
			t.Errorf("east reads %v", a.Rows)
		}
	}
	body, _ = json.Marshal(map[string]string{"sql": "SELECT channels.name,\n  active_customers FROM transactions GROUP BY 1"})
	resp, b := e.call(t, "east-token", "POST", "/v1/sql", string(body))
	var ae apiErr
	if resp.StatusCode != 403 || json.Unmarshal(b, &ae) != nil || ae.Error.Position["line"] != float64(2) || ae.Error.Position["col"] != float64(3) {
		t.Errorf("forbidden metric: %d %s", resp.StatusCode, b)
	}
}

// TestMySQLScopedByKey: over the MySQL protocol the user is the key's name
// and the password its token; the key's scope applies to every query.
func TestMySQLScopedByKey(t *testing.T) {
	e := scopedServer(t)
	keys, _ := api.KeysFrom(e.project.Project)
	b := api.NewMySQLBackend(e.project, keys)
	l, err := mysqlwire.Listen("127.0.0.1:0", b, mysqlwire.Options{Password: b.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	conn := func(user, pw string) *sql.DB {
		db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/retail_bank", user, pw, l.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	regions := func(db *sql.DB) []string {
		rows, err := db.Query("SELECT branches.region, txn_count FROM transactions GROUP BY 1 ORDER BY 1")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var r sql.NullString
			var n int64
			if err := rows.Scan(&r, &n); err != nil {
				t.Fatal(err)
			}
			out = append(out, r.String)
		}
		return out
	}
	if got := regions(conn("east_dashboard", "east-token")); strings.Join(got, ",") != "East" {
		t.Errorf("east reads regions %v", got)
	}
	if got := regions(conn("admin", "admin-token")); len(got) < 2 {
		t.Errorf("admin reads regions %v", got)
	}
	rows, err := conn("east_dashboard", "east-token").Query("SHOW COLUMNS FROM transactions WHERE Extra = 'metric'")
	if err != nil {
		t.Fatal(err)
	}
	var metrics []string
	for rows.Next() {
		var f, typ, null, key, def, extra sql.NullString
		if err := rows.Scan(&f, &typ, &null, &key, &def, &extra); err != nil {
			t.Fatal(err)
		}
		metrics = append(metrics, f.String)
	}
	rows.Close()
	if strings.Join(metrics, ",") != "txn_amount,txn_count" {
		t.Errorf("east's DESCRIBE lists metrics %v", metrics)
	}
	var n int64
	err = conn("east_dashboard", "east-token").QueryRow("SELECT active_customers FROM transactions").Scan(&n)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1142 || !strings.Contains(me.Message, "may not read metric active_customers") {
		t.Errorf("forbidden metric: %v", err)
	}
	err = conn("east_dashboard", "west-token").QueryRow("SELECT txn_count FROM transactions").Scan(&n)
	if !errors.As(err, &me) || me.Number != 1045 {
		t.Errorf("another key's token: %v", err)
	}
}
