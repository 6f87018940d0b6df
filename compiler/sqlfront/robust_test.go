package sqlfront_test

import (
	"errors"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlfront"
)

// TestOddStatements: statements at the edges of what parses translate or fail
// with a positioned error — never a panic, never an unpositioned error.
func TestOddStatements(t *testing.T) {
	cat := bankCatalog(t)
	odd := []string{
		"", ";", "   ", "SELECT", "SELECT 1", "SELECT 1 FROM transactions", "SELECT NULL, txn_amount FROM transactions",
		"SELECT txn_amount FROM transactions WHERE", "SELECT txn_amount FROM transactions GROUP BY 0",
		"SELECT txn_amount FROM transactions ORDER BY 7", "SELECT txn_amount FROM transactions LIMIT 18446744073709551615",
		"SELECT txn_amount FROM transactions LIMIT ?", "SELECT txn_amount FROM transactions WHERE channels.name = ?",
		"SELECT MEASURE() FROM transactions", "SELECT MEASURE(1) FROM transactions", "SELECT MEASURE(channels.name), txn_count FROM transactions",
		"SELECT DATE_TRUNC() FROM transactions", "SELECT DATE_TRUNC(1, transactions.txn_time), txn_count FROM transactions",
		"SELECT DATE(transactions.txn_time + 1), txn_count FROM transactions", "SELECT DATE(txn_amount) FROM transactions",
		"SELECT DATE_TRUNC('month', transactions.txn_time.month), txn_count FROM transactions",
		"SELECT COUNT(), txn_count FROM transactions", "SELECT SUM(txn_amount, 1) FROM transactions",
		"SELECT SUM(DISTINCT txn_amount) FROM transactions", "SELECT COUNT(DISTINCT txn_count) FROM transactions",
		"SELECT txn_amount FROM transactions HAVING SUM(transactions.amount) > 1", "SELECT txn_amount FROM transactions HAVING nope > 1",
		"SELECT txn_amount FROM transactions WHERE nope = 1", "SELECT txn_amount FROM transactions WHERE EXISTS (SELECT 1)",
		"SELECT txn_amount FROM transactions t1, transactions t2", "SELECT txn_amount FROM transactions NATURAL JOIN balances",
		"SELECT txn_amount FROM transactions FOR UPDATE", "SELECT txn_amount INTO @x FROM transactions",
		"WITH x AS (SELECT 1) SELECT txn_amount FROM transactions", "SELECT txn_amount FROM transactions GROUP BY customers.segment WITH ROLLUP",
		"SELECT txn_amount, txn_amount FROM transactions", "SELECT customers.segment, customers.segment, txn_amount FROM transactions",
		"SELECT `` FROM transactions", "SELECT a.b.c.d FROM transactions", "SELECT txn_amount FROM a.b",
		"SHOW TABLES", "SET x = 1", "UPDATE transactions SET amount = 0", "CREATE TABLE x (a int)", "TRUNCATE transactions",
		"SELECT txn_amount FROM transactions; SELECT 1", "SELECT txn_amount FROM transactions WHERE channels.name = 'a' -- trailing",
		"SELECT txn_amount FROM transactions\nWHERE channels.name IN (SELECT 1)",
		"select TXN_AMOUNT from TRANSACTIONS", "SELECT txn_amount FROM transactions WHERE txn_amount_mom > 0",
		"SELECT txn_amount FROM transactions LIMIT 0", "SELECT txn_amount FROM transactions LIMIT 5 OFFSET 2000000",
	}
	for _, s := range odd {
		st, err := sqlfront.Translate(cat, s)
		if err == nil {
			if _, perr := plan.Build(cat, st.Query); perr != nil {
				err = st.Locate(perr)
			}
		}
		if err == nil {
			continue
		}
		var se *sqlfront.Error
		if !errors.As(err, &se) || se.Line < 1 || se.Col < 1 || se.Msg == "" || se.Code == "" {
			t.Errorf("%q: not a positioned error: %#v", s, err)
		}
	}
	if _, err := sqlfront.Translate(cat, "SELECT txn_amount FROM transactions WHERE channels.name = ?", "web", "extra"); err == nil {
		t.Error("two values bound to one placeholder were accepted")
	}
	st, err := sqlfront.Translate(cat, "SELECT txn_amount FROM transactions WHERE channels.name = ? AND transactions.amount > ? LIMIT ?", "it's", 10.5, int64(3))
	if err != nil {
		t.Fatal(err)
	}
	if st.Query.Where != "`channels`.`name` = 'it''s' AND `transactions`.`amount` > 1.05e+01" || st.Query.Limit != 3 {
		t.Errorf("bound query: %+v", st.Query)
	}
}
