package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/internal/banktest"
)

// BenchmarkHTTPOverhead splits what one HTTP round trip adds to a query
// served by a rollup, one request at a time on a keep-alive connection,
// interleaved with the same work in-process, on bare net/http handlers
// (no DataAPI layer):
//
//   - spin: the handler busy-waits 0.4 ms in Go, no engine call;
//   - query: the handler runs the load's first query (service.Project.Query);
//   - worker: the handler hands the query to one long-lived goroutine and
//     waits for it.
//
// It reports the p50s and their ratio per handler. Run:
// go test ./api -run '^$' -bench HTTPOverhead -benchtime 1x -v
func BenchmarkHTTPOverhead(b *testing.B) {
	ctx := context.Background()
	w := builtBank(b, 200_000, 3, 1)
	q := decoded(b)[0]
	spin := func() {
		for t := time.Now(); time.Since(t) < 400*time.Microsecond; {
		}
	}
	query := func() {
		if res, err := w.Query(ctx, q); err != nil || res.Meta.ServedBy == "raw" {
			b.Errorf("the query: %v", err)
		}
	}
	jobs := make(chan chan struct{})
	defer close(jobs)
	go func() {
		for done := range jobs {
			query()
			done <- struct{}{}
		}
	}()
	viaWorker := func() {
		done := make(chan struct{})
		jobs <- done
		<-done
	}
	work := map[string]func(){"spin": spin, "query": query, "worker": viaWorker}
	mux := http.NewServeMux()
	for name, f := range work {
		mux.HandleFunc("/"+name, func(rw http.ResponseWriter, _ *http.Request) { f(); _, _ = rw.Write([]byte("ok")) })
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	lc := &loadConn{addr: strings.TrimPrefix(srv.URL, "http://")}
	defer lc.close()
	for _, name := range []string{"spin", "query", "worker"} {
		req := fmt.Appendf(nil, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", name)
		var inProc, overHTTP []float64
		for j := 0; j < 300; j++ {
			start := time.Now()
			work[name]()
			inProc = append(inProc, float64(time.Since(start).Microseconds())/1000)
			start = time.Now()
			if _, status, err := lc.roundTrip(req); err != nil || status != http.StatusOK {
				b.Fatalf("GET /%s: %v (status %d)", name, err, status)
			}
			overHTTP = append(overHTTP, float64(time.Since(start).Microseconds())/1000)
		}
		ip, hp := banktest.Median(inProc), banktest.Median(overHTTP)
		b.ReportMetric(hp/ip, "http/inproc-"+name)
		b.Logf("%-6s in-process p50 %.3f ms, HTTP p50 %.3f ms: adds %.3f ms, ratio %.2f", name, ip, hp, hp-ip, hp/ip)
	}
}
