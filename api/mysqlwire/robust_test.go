package mysqlwire_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/api/mysqlwire"
)

// serves checks that a fresh client is answered.
func serves(t *testing.T) {
	t.Helper()
	db := open(t, "")
	if got := query(t, db, "SELECT channels.name, txn_count FROM transactions GROUP BY 1"); len(got) == 0 {
		t.Fatal("no rows")
	}
}

// TestOversizePacket: a client sending a message over the limit gets
// ER_NET_PACKET_TOO_LARGE and loses its connection; others are served.
func TestOversizePacket(t *testing.T) {
	db := open(t, "maxAllowedPacket=4194304") // the client lets it through; the server refuses
	db.SetMaxOpenConns(1)
	big := "SELECT txn_count FROM transactions WHERE channels.name IN ('" + strings.Repeat("x", 100<<10) + "')"
	_, err := db.Exec(big)
	if err == nil {
		t.Fatal("a 100 KiB statement over a 64 KiB limit was answered")
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1153 {
		t.Errorf("got %v, want error 1153", err)
	}
	serves(t)
	// The same pool reconnects and is answered again. The server hangs up on
	// the oversize client after the error; the pool may still hold that
	// connection for a moment, so it drops its idle connections first (the
	// driver cannot retry a statement on a connection that closes under it).
	db.SetMaxIdleConns(0)
	db.SetMaxIdleConns(1)
	if got := query(t, db, "SELECT txn_count FROM transactions"); len(got) != 1 {
		t.Errorf("after the oversize statement: %q", got)
	}
}

// TestSlowAndAbandonedConnections: clients that never finish the handshake,
// send half a packet, send garbage, or hang up in the middle of a query do not
// keep the listener from serving others, concurrently.
func TestSlowAndAbandonedConnections(t *testing.T) {
	var hang []net.Conn
	defer func() {
		for _, c := range hang {
			c.Close()
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		hang = append(hang, c)
		return c
	}
	for range 20 {
		dial() // silent after connecting: never answers the greeting
	}
	half := dial()
	_, _ = half.Write([]byte{0x40, 0x00}) // half a packet header
	garbage := dial()
	_ = garbage.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	_, _ = garbage.Read(buf) // the greeting
	_, _ = garbage.Write([]byte{0x05, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x00})

	// A client hanging up mid-query.
	ctx, cancel := context.WithCancel(context.Background())
	db := open(t, "")
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(time.Millisecond); cancel() }()
	_, _ = conn.QueryContext(ctx, "SELECT customers.segment, transactions.txn_time.day, active_customers, txn_amount FROM transactions GROUP BY 1, 2")
	conn.Close()

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("mysql", fmt.Sprintf("c%d:x@tcp(%s)/retail_bank", i, addr))
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			var n int64
			if err := db.QueryRow("SELECT txn_count FROM transactions").Scan(&n); err != nil || n == 0 {
				errs <- fmt.Errorf("client %d: %v (%d)", i, err, n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestIdleTimeout: a connection that sends nothing is closed after the idle
// timeout, so abandoned sockets do not pile up.
func TestIdleTimeout(t *testing.T) {
	l, err := mysqlwire.Listen("127.0.0.1:0", api.NewMySQLBackend(wh, nil), mysqlwire.Options{IdleTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("the server did not close the idle connection: %v", err)
	}
	if time.Since(start) > 4*time.Second {
		t.Fatal("the idle connection stayed open")
	}
}

// TestAuthentication: with passwords configured, user and password must match.
func TestAuthentication(t *testing.T) {
	keys := map[string]string{"east_dashboard": "t0ken"}
	l, err := mysqlwire.Listen("127.0.0.1:0", api.NewMySQLBackend(wh, nil), mysqlwire.Options{Password: func(u string) (string, bool) {
		p, ok := keys[u]
		return p, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	try := func(user, pw string) error {
		db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/retail_bank", user, pw, l.Addr()))
		if err != nil {
			return err
		}
		defer db.Close()
		var n int64
		return db.QueryRow("SELECT txn_count FROM transactions").Scan(&n)
	}
	if err := try("east_dashboard", "t0ken"); err != nil {
		t.Errorf("the right password: %v", err)
	}
	for _, c := range [][2]string{{"east_dashboard", "wrong"}, {"nobody", "t0ken"}, {"east_dashboard", ""}} {
		err := try(c[0], c[1])
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1045 {
			t.Errorf("%s/%q: want 1045, got %v", c[0], c[1], err)
		}
	}
}

// gated holds every query whose text carries /*hold*/ until the gate opens.
type gated struct {
	mysqlwire.Backend
	gate chan struct{}
}

func (g *gated) Query(ctx context.Context, sql string, args []any, opts mysqlwire.QueryOptions) (*mysqlwire.Result, error) {
	if strings.Contains(sql, "/*hold*/") {
		<-g.gate
		// The held query stands for one that runs long: it finishes even
		// after its own deadline, so that the slot stays busy past the
		// other query's wait.
		ctx = context.WithoutCancel(ctx)
	}
	return g.Backend.Query(ctx, sql, args, opts)
}

// TestConcurrencyLimit: with every query slot busy, a query waits until its
// timeout and fails with 1317; browsing statements need no slot; once the
// slot frees, queries run again.
func TestConcurrencyLimit(t *testing.T) {
	g := &gated{Backend: api.NewMySQLBackend(wh, nil), gate: make(chan struct{})}
	l, err := mysqlwire.Listen("127.0.0.1:0", g, mysqlwire.Options{MaxConcurrent: 1, QueryTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	db, err := sql.Open("mysql", fmt.Sprintf("a:x@tcp(%s)/retail_bank", l.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	held := make(chan error, 1)
	go func() {
		var n int64
		held <- db.QueryRow("SELECT /*hold*/ txn_count FROM transactions").Scan(&n)
	}()
	time.Sleep(100 * time.Millisecond)
	var n int64
	err = db.QueryRow("SELECT txn_count FROM transactions").Scan(&n)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1317 {
		t.Errorf("with the only slot held: %v, want 1317", err)
	}
	if got := query(t, db, "SHOW TABLES"); len(got) != 3 {
		t.Errorf("SHOW TABLES while the slot is held: %q", got)
	}
	close(g.gate)
	if err := <-held; err != nil {
		t.Errorf("the held query: %v", err)
	}
	if err := db.QueryRow("SELECT txn_count FROM transactions").Scan(&n); err != nil || n == 0 {
		t.Errorf("after the slot freed: %v (%d)", err, n)
	}
}
