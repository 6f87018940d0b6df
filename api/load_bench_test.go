package api_test

import (
	"context"

	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// loadQueries are dashboard queries the example bank's rollups serve.
var loadQueries = []string{
	`{"metrics":["txn_amount","txn_count"],"dimensions":["customers.segment"]}`,
	`{"metrics":["txn_amount"],"dimensions":["customers.segment","transactions.txn_time.month"]}`,
	`{"metrics":["txn_count","active_customers"],"dimensions":["transactions.txn_time.month"],"where":"customers.segment = 'retail'"}`,
	`{"metrics":["txn_amount"],"dimensions":["channels.name"],"where":"transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-04-01'"}`,
	`{"metrics":["txn_count"],"dimensions":["branches.city"],"order":["-txn_count"],"limit":5}`,
}

// BenchmarkHTTPLoad drives the DataAPI on a loopback listener with 16
// concurrent clients for STRATA_LOAD_SECONDS (default 5; the README's numbers
// use 30) on rollup-served queries, without and with the result cache, and
// reports requests per second, the p50 of the server's own time
// (Strata-Took-Ms), the client's end-to-end p50, and the same queries' p50
// in-process for the ratio. Run: make bench-load.
func BenchmarkHTTPLoad(b *testing.B) {
	secs := 5
	if s, err := strconv.Atoi(os.Getenv("STRATA_LOAD_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	dir := b.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 200_000, Seed: 3}); err != nil {
		b.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	inProc := inProcessP50(b, w)
	for _, mode := range []struct {
		name  string
		cache int
	}{{"uncached", -1}, {"cached", 0}} {
		b.Run(mode.name, func(b *testing.B) {
			srv := httptest.NewServer(api.New(w, api.Options{CacheEntries: mode.cache, MaxConcurrent: 64}))
			defer srv.Close()
			r := drive(b, srv.URL, 16, time.Duration(secs)*time.Second)
			b.ReportMetric(r.rps, "req/s")
			b.ReportMetric(r.serverP50*1000, "server-p50-µs")
			b.ReportMetric(r.clientP50*1000, "http-p50-µs")
			b.ReportMetric(inProc*1000, "inproc-p50-µs")
			if mode.cache < 0 {
				b.ReportMetric(r.clientP50/inProc, "http/inproc")
			}
			b.Logf("%s: %d requests in %ds, %.0f req/s, server p50 %.3f ms, HTTP p50 %.3f ms, in-process p50 %.3f ms, errors %d",
				mode.name, r.n, secs, r.rps, r.serverP50, r.clientP50, inProc, r.errors)
		})
	}
}

type loadResult struct {
	n, errors            int
	rps                  float64
	serverP50, clientP50 float64 // ms
}

func drive(b *testing.B, url string, clients int, d time.Duration) loadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var server, e2e []float64
	errors := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var ls, le []float64
			errs := 0
			for i := c; time.Now().Before(deadline); i++ {
				q := loadQueries[i%len(loadQueries)]
				start := time.Now()
				resp, err := client.Post(url+"/v1/query", "application/json", strings.NewReader(q))
				if err != nil {
					errs++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs++
					continue
				}
				le = append(le, float64(time.Since(start).Microseconds())/1000)
				if ms, err := strconv.ParseFloat(resp.Header.Get("Strata-Took-Ms"), 64); err == nil {
					ls = append(ls, ms)
				}
			}
			mu.Lock()
			server, e2e, errors = append(server, ls...), append(e2e, le...), errors+errs
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	return loadResult{n: len(e2e), errors: errors, rps: float64(len(e2e)) / d.Seconds(), serverP50: banktest.Median(server), clientP50: banktest.Median(e2e)}
}

func inProcessP50(b *testing.B, w *service.Project) float64 {
	var lat []float64
	for i := 0; i < 500; i++ {
		q, err := plan.DecodeQuery([]byte(loadQueries[i%len(loadQueries)]))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := w.Query(context.Background(), q)
		if err != nil || !strings.HasPrefix(res.Meta.ServedBy, "txn_") {
			b.Fatalf("%v: served by %v", err, res)
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
	}
	return banktest.Median(lat)
}
