package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// slowEngine holds queries (and, when told, rollup builds) to stand for slow
// work: a held statement waits for its delay, or until its context ends when
// the delay is 0.
type slowEngine struct {
	engine.Engine
	queries, builds atomic.Int64 // delays in ns; -1: not held
	inFlight        atomic.Int64
}

func (s *slowEngine) hold(ctx context.Context, delay time.Duration, sql string) error {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if delay == 0 {
		<-ctx.Done()
		return &engine.Error{SQL: sql, Err: engine.ErrCanceled}
	}
	select {
	case <-time.After(delay):
		return nil
	case <-ctx.Done():
		return &engine.Error{SQL: sql, Err: engine.ErrCanceled}
	}
}

func (s *slowEngine) Query(ctx context.Context, sql string, args ...any) (*engine.Result, error) {
	if d := s.queries.Load(); d >= 0 && strings.Contains(sql, "txn_amount") {
		if err := s.hold(ctx, time.Duration(d), sql); err != nil {
			return nil, err
		}
	}
	return s.Engine.Query(ctx, sql, args...)
}

func (s *slowEngine) Exec(ctx context.Context, sql string, args ...any) error {
	if d := s.builds.Load(); d >= 0 && strings.HasPrefix(sql, "CREATE TABLE") && strings.Contains(sql, sqlgen.RollupTablePrefix+"txn_daily") {
		if err := s.hold(ctx, time.Duration(d), sql); err != nil {
			return err
		}
	}
	return s.Engine.Exec(ctx, sql, args...)
}

// slowBank opens the example bank over a slowEngine, rollups built.
func slowBank(t *testing.T) (*service.Project, *slowEngine) {
	t.Helper()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 2000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open("", 0)
	if err != nil {
		t.Fatal(err)
	}
	eng := &slowEngine{Engine: db}
	eng.queries.Store(-1)
	eng.builds.Store(-1)
	p, err := service.New(ctx, cat, eng, sqlgen.DuckDB{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if _, err := p.Refresh(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	return p, eng
}

// serveInProcess runs serveOn on a real listener with the real signal
// context; it returns the base URL and a channel with serveOn's result.
func serveInProcess(t *testing.T, p *service.Project, so serveOptions) (string, chan error, *bytes.Buffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	e := &env{stdout: io.Discard, stderr: &syncWriter{w: &logs}}
	ctx, cancel := signalContext()
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- e.serveOn(ctx, p, ln, api.DefaultOptions, so) }()
	return "http://" + ln.Addr().String(), done, &logs
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const slowQuery = `{"metrics":["txn_amount"],"dimensions":["channels.name"]}`

// TestSIGTERMLetsInFlightQueriesFinish sends the process a real SIGTERM while
// 4 slow queries are in the engine: all 4 are answered 200, a new connection
// is refused, and serve returns success.
func TestSIGTERMLetsInFlightQueriesFinish(t *testing.T) {
	p, eng := slowBank(t)
	url, done, logs := serveInProcess(t, p, serveOptions{ShutdownTimeout: 20 * time.Second, ReadTimeout: 5 * time.Second})
	waitFor(t, "the listener", func() bool { r, err := http.Get(url + "/healthz"); return err == nil && r.Body.Close() == nil })
	eng.queries.Store(int64(1500 * time.Millisecond))
	codes := make(chan int, 4)
	for i := 0; i < 4; i++ {
		go func() {
			// Four different queries: the result cache runs equal ones once.
			q := strings.Replace(slowQuery, "{", fmt.Sprintf(`{"limit":%d,`, i+1), 1)
			r, err := http.Post(url+"/v1/query", "application/json", strings.NewReader(q))
			if err != nil {
				codes <- -1
				return
			}
			r.Body.Close()
			codes <- r.StatusCode
		}()
	}
	waitFor(t, "4 queries in the engine", func() bool { return eng.inFlight.Load() == 4 })
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "shutdown to begin", func() bool { return strings.Contains(logs.String(), "shutting down") })
	if r, err := http.Get(url + "/healthz"); err == nil {
		r.Body.Close()
		t.Error("a new request was accepted during shutdown")
	}
	for i := 0; i < 4; i++ {
		if c := <-codes; c != 200 {
			t.Errorf("in-flight query answered %d, want 200", c)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// TestShutdownTimeoutCancelsTheRest: past --shutdown-timeout, a query still
// running is canceled and answered 504, a refresh still building records
// that it was interrupted (not "fresh"), and serve still returns success.
func TestShutdownTimeoutCancelsTheRest(t *testing.T) {
	p, eng := slowBank(t)
	url, done, _ := serveInProcess(t, p, serveOptions{ShutdownTimeout: 300 * time.Millisecond, ReadTimeout: 5 * time.Second})
	waitFor(t, "the listener", func() bool { r, err := http.Get(url + "/healthz"); return err == nil && r.Body.Close() == nil })
	eng.queries.Store(0) // held until canceled
	eng.builds.Store(0)
	codes := make(chan int, 2)
	for _, path := range []string{"/v1/query", "/v1/rollups/txn_daily/refresh"} {
		go func() {
			r, err := http.Post(url+path, "application/json", strings.NewReader(slowQuery))
			if err != nil {
				codes <- -1
				return
			}
			r.Body.Close()
			codes <- r.StatusCode
		}()
	}
	waitFor(t, "a query and a build in the engine", func() bool { return eng.inFlight.Load() == 2 })
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	got := []int{<-codes, <-codes}
	if !(got[0] == 504 && got[1] == 500 || got[0] == 500 && got[1] == 504) {
		t.Errorf("answers %v, want a 504 for the query and a 500 (build-failed) for the refresh", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	eng.builds.Store(-1)
	st, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Name == "txn_daily" && (s.State != "failed" || !strings.Contains(s.LastError, "interrupted")) {
			t.Fatalf("state after an interrupted refresh: %s %q", s.State, s.LastError)
		}
	}
}

// TestSlowBodyIsCutOff: a client that sends its body slower than
// --read-timeout is cut off instead of holding a connection and a goroutine.
func TestSlowBodyIsCutOff(t *testing.T) {
	p, _ := slowBank(t)
	url, done, _ := serveInProcess(t, p, serveOptions{ShutdownTimeout: time.Second, ReadTimeout: 300 * time.Millisecond})
	waitFor(t, "the listener", func() bool { r, err := http.Get(url + "/healthz"); return err == nil && r.Body.Close() == nil })
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST /v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"metrics\":")
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(conn) // returns when the server closes the connection
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the server waited %v for a slow body", took)
	}
	if len(b) > 0 && !strings.Contains(string(b), " 400 ") {
		t.Fatalf("answer to a slow body: %q", b)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
