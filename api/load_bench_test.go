package api_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// loadQueries are dashboard queries the example bank's rollups serve.
var loadQueries = []string{
	`{"metrics":["txn_amount","txn_count"],"dimensions":["customers.segment"]}`,
	`{"metrics":["txn_amount"],"dimensions":["customers.segment","transactions.txn_time.month"]}`,
	`{"metrics":["txn_count","active_customers"],"dimensions":["transactions.txn_time.month"],"where":"customers.segment = 'mass'"}`,
	`{"metrics":["txn_amount"],"dimensions":["channels.name"],"where":"transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-04-01'"}`,
	`{"metrics":["txn_count"],"dimensions":["branches.city"],"order":["-txn_count"],"limit":5}`,
}

// loadClients is how many clients drive the server at once.
const loadClients = 16

// BenchmarkHTTPLoad drives the DataAPI on a loopback listener with 16
// concurrent clients for STRATA_LOAD_SECONDS (default 5; the README's numbers
// use 30) on rollup-served queries, without and with the result cache. Run:
// make bench-load.
//
// Each mode reports requests per second, the p50 of the server's own time
// (Strata-Took-Ms: compile and run, or the cache lookup), the p50 of the
// wait for a turn at the engine before it (Strata-Queued-Ms: at most
// GOMAXPROCS queries run at once, see service.Project.QueryCapped), the
// clients' end-to-end p50, and the process's CPU time per request. The load generator
// runs in the same process on the same cores, so the CPU per request and the
// end-to-end times include the clients' own work; the server's time is the
// header's. Under load the end-to-end p50 is mostly the queue of 16 clients
// for the cores (about 16 ÷ requests per second), so the HTTP/in-process
// ratio is taken per query, one request at a time over HTTP and in-process,
// interleaved. The same 16 callers in-process give the throughput and the
// p50 under load the HTTP layer is compared with.
//
// DuckDB runs with one thread (STRATA_LOAD_THREADS=N for N; 0 for the
// project's default, all cores): with 16 queries at once on a few cores,
// parallelism inside a query only adds scheduling (`engine.threads: 1` is
// the setting for a dashboard server; see README).
func BenchmarkHTTPLoad(b *testing.B) {
	secs := 5
	if s, err := strconv.Atoi(os.Getenv("STRATA_LOAD_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	threads := 1
	if s, err := strconv.Atoi(os.Getenv("STRATA_LOAD_THREADS")); err == nil && s >= 0 {
		threads = s
	}
	w := builtBank(b, 200_000, 3, threads)
	d := time.Duration(secs) * time.Second
	for _, mode := range []struct {
		name  string
		cache int
	}{{"uncached", -1}, {"cached", 0}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := httptest.NewServer(api.New(w, api.Options{CacheEntries: mode.cache, MaxConcurrent: 64}))
			defer srv.Close()
			if mode.cache < 0 {
				perQuery(b, w, srv.URL)
				perQueryOtherProcess(b, w, srv.URL)
			}
			inProc := driveInProcess(b, w, mode.cache >= 0, d/3)
			r := drive(b, srv.URL, d)
			b.ReportMetric(r.rps, "req/s")
			b.ReportMetric(r.serverP50*1000, "server-p50-µs")
			b.ReportMetric(r.queuedP50*1000, "queued-p50-µs")
			b.ReportMetric(r.clientP50*1000, "http-p50-µs")
			b.ReportMetric(r.cpuMS*1000, "cpu-µs/req")
			b.ReportMetric(inProc.rps, "inproc-q/s")
			b.ReportMetric(inProc.clientP50*1000, "inproc-p50-µs")
			b.ReportMetric(r.clientP50/inProc.clientP50, "http/inproc-p50-under-load")
			b.Logf("%s: %d requests in %ds, %.0f req/s, server p50 %.3f ms (queued p50 %.3f ms before it), HTTP p50 %.3f ms, CPU %.3f ms/request (server and clients), errors %d",
				mode.name, r.n, secs, r.rps, r.serverP50, r.queuedP50, r.clientP50, r.cpuMS, r.errors)
			b.Logf("%s in-process, %d callers: %.0f queries/s, p50 %.3f ms, CPU %.3f ms/query; HTTP p50 ÷ in-process p50 under the same load %.2f",
				mode.name, loadClients, inProc.rps, inProc.clientP50, inProc.cpuMS, r.clientP50/inProc.clientP50)
		})
	}
}

type loadResult struct {
	n, errors            int
	rps                  float64
	serverP50, clientP50 float64 // ms
	queuedP50            float64 // ms: the wait for an engine turn (uncached)
	cpuMS                float64 // the process's CPU time per request
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drive runs loadClients clients over keep-alive connections for d, each
// cycling through loadQueries.
func drive(b *testing.B, url string, d time.Duration) loadResult {
	reqs := prepared(b, url)
	conns := make([]*loadConn, loadClients)
	for c := range conns {
		conns[c] = &loadConn{addr: strings.TrimPrefix(url, "http://")}
		defer conns[c].close()
	}
	return run(d, func(c, i int) (timing, bool) {
		return conns[c].post(reqs[i%len(reqs)])
	})
}

// driveInProcess runs the same queries with loadClients concurrent callers of
// the project directly: what the API adds is the difference.
func driveInProcess(b *testing.B, w *service.Project, cached bool, d time.Duration) loadResult {
	qs := decoded(b)
	return run(d, func(_, i int) (timing, bool) {
		var err error
		if cached {
			_, err = w.Answer(context.Background(), qs[i%len(qs)])
		} else {
			_, err = w.Query(context.Background(), qs[i%len(qs)])
		}
		return timing{}, err == nil
	})
}

// timing is what the server said a request cost, in ms (0: not said).
type timing struct{ took, queued float64 }

// run calls do from loadClients goroutines (do's c) until d has passed; do
// returns the server's times and whether the request succeeded.
func run(d time.Duration, do func(c, i int) (timing, bool)) loadResult {
	var mu sync.Mutex
	var server, queued, e2e []float64
	errors := 0
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := 0; c < loadClients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var ls, lq, le []float64
			errs := 0
			for i := c; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				tm, ok := do(c, i)
				if !ok {
					errs++
					continue
				}
				le = append(le, float64(time.Since(t0).Microseconds())/1000)
				if tm.took > 0 {
					ls, lq = append(ls, tm.took), append(lq, tm.queued)
				}
			}
			mu.Lock()
			server, queued, e2e, errors = append(server, ls...), append(queued, lq...), append(e2e, le...), errors+errs
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	r := loadResult{n: len(e2e), errors: errors, rps: float64(len(e2e)) / elapsed.Seconds(), serverP50: banktest.Median(server), queuedP50: banktest.Median(queued), clientP50: banktest.Median(e2e)}
	if r.n > 0 {
		r.cpuMS = float64(cpu.Microseconds()) / 1000 / float64(r.n)
	}
	return r
}

// prepared is each load query as the bytes of a keep-alive POST /v1/query,
// built once: a client re-sends them unchanged.
func prepared(b *testing.B, url string) [][]byte {
	host := strings.TrimPrefix(url, "http://")
	var reqs [][]byte
	for _, q := range loadQueries {
		reqs = append(reqs, fmt.Appendf(nil, "POST /v1/query HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", host, len(q), q))
	}
	return reqs
}

// loadConn is a lean HTTP/1.1 client on one keep-alive connection: it writes
// a prepared request and reads the response on the caller's goroutine (no
// transport goroutines to hand each request between), keeping only the
// status and the Strata-Took-Ms and Strata-Queued-Ms headers and skipping the
// body without copying it. The load generator shares the cores with the
// server, so what it costs is taken from the server.
type loadConn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

func (lc *loadConn) close() {
	if lc.c != nil {
		lc.c.Close()
		lc.c = nil
	}
}

// post sends req and returns the server's times, false on any failure or a
// status other than 200 (the connection is then closed and redialled).
func (lc *loadConn) post(req []byte) (timing, bool) {
	t, status, err := lc.roundTrip(req)
	if err != nil {
		lc.close()
		return timing{}, false
	}
	return t, status == http.StatusOK && t.took > 0
}

func (lc *loadConn) roundTrip(req []byte) (t timing, status int, err error) {
	if lc.c == nil {
		if lc.c, err = net.Dial("tcp", lc.addr); err != nil {
			return t, 0, err
		}
		lc.br = bufio.NewReaderSize(lc.c, 32<<10)
	}
	if _, err = lc.c.Write(req); err != nil {
		return t, 0, err
	}
	line, err := lc.br.ReadSlice('\n')
	if err != nil {
		return t, 0, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return t, 0, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return t, 0, err
	}
	length, chunked, closing := -1, false, false
	for {
		line, err = lc.br.ReadSlice('\n')
		if err != nil {
			return t, 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return t, 0, fmt.Errorf("bad header %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.Atoi(string(value))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Strata-Took-Ms")):
			t.took, err = strconv.ParseFloat(string(value), 64)
		case bytes.EqualFold(name, []byte("Strata-Queued-Ms")):
			t.queued, err = strconv.ParseFloat(string(value), 64)
		}
		if err != nil {
			return t, 0, err
		}
	}
	switch {
	case chunked:
		err = lc.skipChunks()
	case length >= 0:
		_, err = lc.br.Discard(length)
	default:
		return t, 0, fmt.Errorf("a response without a length")
	}
	if err == nil && closing {
		lc.close()
	}
	return t, status, err
}

// skipChunks reads past a chunked body and its (empty) trailer.
func (lc *loadConn) skipChunks() error {
	for {
		line, err := lc.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil {
			return err
		}
		if n == 0 {
			for { // trailer lines, then the empty line
				line, err = lc.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := lc.br.Discard(int(n) + 2); err != nil { // the chunk and its CRLF
			return err
		}
	}
}

func decoded(b *testing.B) []*plan.Query {
	var qs []*plan.Query
	for _, s := range loadQueries {
		q, err := plan.DecodeQuery([]byte(s))
		if err != nil {
			b.Fatal(err)
		}
		qs = append(qs, q)
	}
	return qs
}

// perQuery measures each query alone, one request at a time, in-process and
// over HTTP (uncached), interleaved so that the machine's load moves both
// alike, and reports the ratio of the p50s per query.
func perQuery(b *testing.B, w *service.Project, url string) {
	lc := &loadConn{addr: strings.TrimPrefix(url, "http://")}
	defer lc.close()
	reqs := prepared(b, url)
	var sum float64
	qs := decoded(b)
	for i, q := range qs {
		var inProc, overHTTP []float64
		for j := 0; j < 200; j++ {
			start := time.Now()
			res, err := w.Query(context.Background(), q)
			if err != nil || !strings.HasPrefix(res.Meta.ServedBy, "txn_") {
				b.Fatalf("query %d: %v: served by %v", i+1, err, res)
			}
			inProc = append(inProc, float64(time.Since(start).Microseconds())/1000)
			start = time.Now()
			if _, ok := lc.post(reqs[i]); !ok {
				b.Fatalf("query %d over HTTP failed", i+1)
			}
			overHTTP = append(overHTTP, float64(time.Since(start).Microseconds())/1000)
		}
		ip, hp := banktest.Median(inProc), banktest.Median(overHTTP)
		sum += hp / ip
		b.ReportMetric(hp/ip, fmt.Sprintf("http/inproc-q%d", i+1))
		b.Logf("query %d alone: in-process p50 %.3f ms, HTTP p50 %.3f ms, ratio %.2f", i+1, ip, hp, hp/ip)
	}
	// The floor under what HTTP adds: a round trip that runs no query.
	health := fmt.Appendf(nil, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", strings.TrimPrefix(url, "http://"))
	var trips []float64
	for j := 0; j < 200; j++ {
		start := time.Now()
		if _, status, err := lc.roundTrip(health); err != nil || status != http.StatusOK {
			b.Fatalf("GET /healthz: %v (status %d)", err, status)
		}
		trips = append(trips, float64(time.Since(start).Microseconds())/1000)
	}
	b.ReportMetric(banktest.Median(trips)*1000, "healthz-p50-µs")
	b.Logf("GET /healthz alone: HTTP p50 %.3f ms", banktest.Median(trips))
	b.ReportMetric(sum/float64(len(qs)), "http/inproc-mean")
}
