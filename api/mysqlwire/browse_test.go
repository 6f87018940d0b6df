package mysqlwire_test

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// query runs a statement and returns its rows as tab-separated lines.
func query(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return scanAll(t, rows)
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// TestBrowsing sends what clients and BI tools send on connect and while
// browsing the catalog.
func TestBrowsing(t *testing.T) {
	db := open(t, "")
	db.SetMaxOpenConns(1)
	cases := []struct {
		q    string
		want string // one line the answer must hold
	}{
		{"SELECT @@version_comment LIMIT 1", "Strata semantic metric layer (MySQL protocol)"},
		{"SELECT @@version", "8.0.40-strata"},
		{"SELECT @@session.autocommit, @@max_allowed_packet", "1\t65536"},
		{"SELECT DATABASE(), USER()", "retail_bank\tanalyst@127.0.0.1"},
		{"SHOW DATABASES", "retail_bank"},
		{"SHOW TABLES", "transactions"},
		{"SHOW FULL TABLES FROM retail_bank LIKE 'bal%'", "balances\tBASE TABLE"},
		{"DESCRIBE transactions", "transactions.amount\tdecimal(18,2)\tYES\t\t\t"},
		{"SHOW COLUMNS FROM transactions LIKE 'txn_amount'", "txn_amount\tdecimal(38,2)\tYES\t\t\tmetric"},
		{"SHOW FULL COLUMNS FROM balances WHERE Field = 'balances.snapshot_date.month'", "balances.snapshot_date.month\tdate\t\tYES\t\t\t\tselect\tmonth of balances.snapshot_date"},
		{"SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name", "app_events\tBASE TABLE"},
		{"SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_SCALE FROM information_schema.columns WHERE table_schema = 'retail_bank' AND table_name = 'transactions' AND column_name IN ('txn_amount', 'transactions.txn_time')", "transactions.txn_time\tdatetime\t"},
		{"SELECT schema_name FROM information_schema.schemata", "retail_bank"},
		{"SHOW VARIABLES LIKE 'character_set_%'", "character_set_client\tutf8mb4"},
		{"SHOW WARNINGS", ""},
		// What Connector/J reads on connect.
		{"/* mysql-connector-j-8.4.0 */SELECT @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client, @@character_set_connection AS character_set_connection, @@character_set_results AS character_set_results, @@character_set_server AS character_set_server, @@collation_server AS collation_server, @@collation_connection AS collation_connection, @@init_connect AS init_connect, @@interactive_timeout AS interactive_timeout, @@license AS license, @@lower_case_table_names AS lower_case_table_names, @@max_allowed_packet AS max_allowed_packet, @@net_write_timeout AS net_write_timeout, @@performance_schema AS performance_schema, @@query_cache_size AS query_cache_size, @@query_cache_type AS query_cache_type, @@sql_mode AS sql_mode, @@system_time_zone AS system_time_zone, @@time_zone AS time_zone, @@transaction_isolation AS transaction_isolation, @@wait_timeout AS wait_timeout", "1\tutf8mb4\t"},
		{"SHOW VARIABLES WHERE Variable_name IN ('version', 'max_allowed_packet')", "max_allowed_packet\t65536"},
		{"SELECT * FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'retail_bank' AND TABLE_NAME = 'balances' ORDER BY ORDINAL_POSITION DESC LIMIT 1", "def\tretail_bank\tbalances\t"},
		{"EXPLAIN SELECT channels.name, txn_count FROM transactions GROUP BY 1", "served by: txn_daily"},
	}
	for _, c := range []string{"SET NAMES utf8mb4", "SET autocommit = 1, sql_mode = 'ANSI_QUOTES'", "SET @x = 5", "USE retail_bank", "BEGIN", "COMMIT"} {
		if _, err := db.Exec(c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	for _, c := range cases {
		got := query(t, db, c.q)
		if c.want == "" {
			if len(got) != 0 {
				t.Errorf("%s: want no rows, got %q", c.q, got)
			}
			continue
		}
		ok := contains(got, c.want)
		if !ok && strings.HasSuffix(c.want, "\t") {
			for _, l := range got {
				ok = ok || strings.HasPrefix(l, c.want)
			}
		}
		if !ok {
			t.Errorf("%s: no line %q in\n%s", c.q, c.want, strings.Join(got, "\n"))
		}
	}
	if got := query(t, db, "SELECT @x"); !contains(got, "5") {
		t.Errorf("SELECT @x after SET @x = 5: %q", got)
	}
}

// TestErrors checks the error numbers and messages bad statements get over
// the wire, and that the connection keeps working after each.
func TestErrors(t *testing.T) {
	db := open(t, "")
	db.SetMaxOpenConns(1)
	cases := []struct {
		q    string
		num  uint16
		want string
	}{
		{"SELECT customers.segment txn_amount FROM transactions WHERE", 1064, "at line 1 column"},
		{"SELEC txn_amount FROM transactions", 1064, "near 'SELEC"},
		{"SELECT txn_amount FROM transactions WHERE channels.name = = 'web'", 1064, "near '= 'web'' at line 1 column 59"},
		{"SELECT customers.segmnt, txn_amount FROM transactions GROUP BY 1", 1054, `did you mean "customers.segment"?`},
		{"SELECT txn_amuont FROM transactions", 1054, `did you mean "txn_amount"?`},
		{"SELECT txn_amount FROM transaction", 1146, `did you mean "transactions"?`},
		{"SELECT txn_amount FROM transactions JOIN customers ON 1 = 1", 1235, "joins are not supported"},
		{"SELECT * FROM transactions", 1235, "SELECT * is not supported"},
		{"SELECT AVG(txn_amount) FROM transactions", 1235, "aggregates with SUM"},
		{"INSERT INTO transactions (txn_id) VALUES (1)", 1290, "read-only"},
		{"DROP TABLE transactions", 1290, "read-only"},
		{"LOAD DATA INFILE '/etc/passwd' INTO TABLE transactions", 1290, "read-only"},
		{"DELETE FROM transactions", 1290, "read-only"},
		{"USE other_db", 1049, "Unknown database"},
		{"DESCRIBE customers_wide", 1146, "doesn't exist"},
		{"SELECT @@no_such_variable", 1193, "Unknown system variable"},
		{"SELECT txn_amount FROM transactions WHERE SLEEP(1) = 0", 1235, "sleep() is not allowed"},
	}
	for _, c := range cases {
		_, err := db.Exec(c.q)
		var me *mysql.MySQLError
		if !errors.As(err, &me) {
			t.Errorf("%s: want MySQL error %d, got %v", c.q, c.num, err)
			continue
		}
		if me.Number != c.num || !strings.Contains(me.Message, c.want) {
			t.Errorf("%s: got %d %q; want %d containing %q", c.q, me.Number, me.Message, c.num, c.want)
		}
	}
	if got := query(t, db, "SELECT txn_count FROM transactions"); len(got) != 1 {
		t.Errorf("after the errors the connection answers %q", got)
	}
}
