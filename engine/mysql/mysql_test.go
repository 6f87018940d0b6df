package mysql_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/engine/mysql"
)

// These tests run against the MariaDB that STRATA_TEST_MYSQL_DSN names
// (`.ci/mariadb-start` starts one); without it they skip, under CI they fail.

func TestTypesStayExact(t *testing.T) {
	db, _ := enginetest.OpenMySQL(t, mysql.Config{})
	ctx := context.Background()
	res, err := db.Query(ctx, `SELECT CAST(12345678901234567.89 AS DECIMAL(38,2)) AS money, CAST(0.10 AS DECIMAL(5,2)) AS small,
  CAST(-0.05 AS DECIMAL(5,2)) AS neg, DATE '2025-02-28' AS d, TIMESTAMP '2025-02-28 23:59:58.5' AS ts,
  CAST(42 AS SIGNED) + 9007199254740993 AS n, 2.5e0 AS f, 'x' AS s, NULL AS z, 7 / 2 AS q`)
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	wantTypes := []string{"decimal(38,2)", "decimal(5,2)", "decimal(5,2)", "date", "timestamp", "bigint", "double", "varchar"}
	for i, w := range wantTypes {
		if res.Columns[i].Type != w {
			t.Errorf("column %s: type %s, want %s", res.Columns[i].Name, res.Columns[i].Type, w)
		}
	}
	for i, w := range []string{"12345678901234567.89", "0.10", "-0.05"} {
		d, ok := row[i].(engine.Decimal)
		if !ok || d.String() != w {
			t.Errorf("column %s: %#v, want decimal %s", res.Columns[i].Name, row[i], w)
		}
	}
	if d, ok := row[3].(time.Time); !ok || !d.Equal(time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date: %#v", row[3])
	}
	if ts, ok := row[4].(time.Time); !ok || !ts.Equal(time.Date(2025, 2, 28, 23, 59, 58, 500_000_000, time.UTC)) {
		t.Errorf("timestamp: %#v", row[4])
	}
	if row[5] != int64(9007199254741035) || row[6] != 2.5 || row[7] != "x" || row[8] != nil {
		t.Errorf("scalars: %#v", row[5:9])
	}
	// MySQL divides into DECIMAL with div_precision_increment more digits: 30 on these sessions.
	if d, ok := row[9].(engine.Decimal); !ok || d.String() != "3."+strings.Repeat("5", 1)+strings.Repeat("0", 29) {
		t.Errorf("7 / 2: %#v", row[9])
	}
}

func TestSessionRunsInUTC(t *testing.T) {
	db, _ := enginetest.OpenMySQL(t, mysql.Config{})
	res, err := db.Query(context.Background(), "SELECT @@session.time_zone, UNIX_TIMESTAMP(TIMESTAMP '1970-01-02 00:00:00')")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0] != "+00:00" || res.Rows[0][1] != int64(86400) {
		t.Fatalf("session time zone %v, epoch of 1970-01-02 %v; want +00:00 and 86400", res.Rows[0][0], res.Rows[0][1])
	}
}

func TestStreamDeliversRowsIncrementally(t *testing.T) {
	db, _ := enginetest.OpenMySQL(t, mysql.Config{})
	ctx := context.Background()
	n, sum := 0, int64(0)
	err := db.Stream(ctx, "SELECT seq FROM seq_1_to_200000", nil, func(cols []engine.Column, row []any) error {
		n++
		sum += row[0].(int64)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 200000 || sum != 200000*200001/2 {
		t.Fatalf("streamed %d rows summing %d", n, sum)
	}
	// The callback can stop the stream; its error comes back as it was.
	stop := errors.New("enough")
	seen := 0
	err = db.Stream(ctx, "SELECT seq FROM seq_1_to_200000", nil, func([]engine.Column, []any) error {
		if seen++; seen == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 10 {
		t.Fatalf("stopped stream: err %v after %d rows", err, seen)
	}
	// The connection is usable afterwards.
	if _, err := db.Query(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
}

// running lists the statements that are executing on the server and match the marker.
func running(t *testing.T, admin engine.Engine, marker string) []string {
	t.Helper()
	res, err := admin.Query(context.Background(), "SELECT COALESCE(INFO, '') FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE ? AND ID <> CONNECTION_ID()", "%"+marker+"%")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, r[0].(string))
	}
	return out
}

func TestTimeoutKillsTheServerSideQuery(t *testing.T) {
	db, dsn := enginetest.OpenMySQL(t, mysql.Config{QueryTimeout: 300 * time.Millisecond})
	admin, err := mysql.Open(context.Background(), mysql.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	start := time.Now()
	_, err = db.Query(context.Background(), "SELECT SLEEP(30) AS timeout_marker_a")
	took := time.Since(start)
	if !errors.Is(err, engine.ErrCanceled) {
		t.Fatalf("err = %v, want engine.ErrCanceled", err)
	}
	if took > 5*time.Second {
		t.Fatalf("the timed-out query took %v to return", took)
	}
	// The server really stopped it: it is gone from the process list.
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := running(t, admin, "timeout_marker_a")
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running on the server after the timeout: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A caller's cancel does the same, on an engine without a timeout.
	db2, _ := enginetest.OpenMySQL(t, mysql.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- db2.Exec(ctx, "DO SLEEP(30) + 0 * LENGTH('cancel_marker_b')")
	}()
	for len(running(t, admin, "cancel_marker_b")) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, engine.ErrCanceled) {
		t.Fatalf("canceled exec: %v", err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(running(t, admin, "cancel_marker_b")) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the canceled statement is still running on the server")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDeadlockedTransactionIsRetried(t *testing.T) {
	db, _ := enginetest.OpenMySQL(t, mysql.Config{MaxOpenConns: 4})
	ctx := context.Background()
	if err := db.Exec(ctx, "CREATE TABLE acct (id INT PRIMARY KEY, v INT) ENGINE=InnoDB"); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(ctx, "INSERT INTO acct VALUES (1, 0), (2, 0)"); err != nil {
		t.Fatal(err)
	}
	// Two transactions lock the rows in opposite orders: the server kills one
	// with a deadlock (1213) and rolls it back; the retry then applies it.
	tx := func(first, second int) error {
		return db.ExecTx(ctx,
			engine.Statement{SQL: "UPDATE acct SET v = v + 1 WHERE id = ?", Args: []any{first}},
			engine.Statement{SQL: "DO SLEEP(0.3)"},
			engine.Statement{SQL: "UPDATE acct SET v = v + 1 WHERE id = ?", Args: []any{second}})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = tx(1, 2) }()
	go func() { defer wg.Done(); time.Sleep(50 * time.Millisecond); errs[1] = tx(2, 1) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a transaction failed despite the retry: %v", err)
		}
	}
	res, err := db.Query(ctx, "SELECT v FROM acct ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0] != int64(2) || res.Rows[1][0] != int64(2) {
		t.Fatalf("rows after both transactions: %v, want 2 and 2", res.Rows)
	}
	deadlocks, err := db.Query(ctx, "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")
	if err != nil {
		t.Fatal(err)
	}
	if n := deadlocks.Rows[0][1]; n == "0" {
		t.Fatalf("no deadlock happened (Innodb_deadlocks = %v): the test proved nothing", n)
	}
}

func TestDroppedConnectionRecovers(t *testing.T) {
	db, dsn := enginetest.OpenMySQL(t, mysql.Config{MaxOpenConns: 1})
	admin, err := mysql.Open(context.Background(), mysql.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	res, err := db.Query(ctx, "SELECT CONNECTION_ID()")
	if err != nil {
		t.Fatal(err)
	}
	id := res.Rows[0][0].(int64)
	// The server drops the pooled connection while it is idle.
	if err := admin.Exec(ctx, "KILL CONNECTION ?", id); err != nil {
		t.Fatal(err)
	}
	res, err = db.Query(ctx, "SELECT CONNECTION_ID()")
	if err != nil {
		t.Fatalf("query after the connection was dropped: %v", err)
	}
	if res.Rows[0][0].(int64) == id {
		t.Fatal("the dropped connection was reused")
	}
	// Dropped mid-statement: a write is not retried (it may have run); the
	// error says what happened.
	id = res.Rows[0][0].(int64)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = admin.Exec(context.Background(), "KILL CONNECTION ?", id)
	}()
	err = db.Exec(ctx, "DO SLEEP(5)")
	if err == nil || !strings.Contains(err.Error(), "connection to the server was lost") {
		t.Fatalf("exec on a dropped connection: %v", err)
	}
	if _, err := db.Query(ctx, "SELECT 1"); err != nil {
		t.Fatalf("the pool did not recover: %v", err)
	}
}

func TestErrorsNeverShowCredentials(t *testing.T) {
	dsn := enginetest.MySQLDSN(t)
	ctx := context.Background()
	const secret = "s3cr3t-Pa55"
	bad := []string{
		"strata:" + secret + "@tcp(127.0.0.1:1)/strata_test",                       // nothing listens
		"strata:" + secret + "@tcp(" + addrOf(t, dsn) + ")/strata_test",            // wrong password
		"strata:" + secret + "@tcp(127.0.0.1:3307/strata_test?x=%zz",               // malformed
		"strata:" + secret + "@tcp(" + addrOf(t, dsn) + ")/strata_test?tls=nosuch", // unknown TLS config
	}
	for _, b := range bad {
		_, err := mysql.Open(ctx, mysql.Config{DSN: b, Retries: -1})
		if err == nil {
			t.Fatalf("open %q succeeded", mysql.Scrub(b, b))
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("the error shows the password: %v", err)
		}
		t.Log(err)
	}
}

func addrOf(t *testing.T, dsn string) string {
	_, rest, ok := strings.Cut(dsn, "@tcp(")
	if !ok {
		t.Skip("the test server's DSN is not tcp")
	}
	addr, _, _ := strings.Cut(rest, ")")
	return addr
}
