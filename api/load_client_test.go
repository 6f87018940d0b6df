package api_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// The per-query HTTP ÷ in-process ratio, with the HTTP client in a process
// of its own, as a dashboard is: the test binary started again with
// STRATA_LOAD_CLIENT_ADDR set becomes a client that reads a query's index
// per line on stdin, sends that query on one keep-alive connection and
// writes the round trip's nanoseconds (or -1 on failure) per line on stdout.
// In the same process the client's goroutines share the runtime's threads
// with the server, so each request also pays for handing the cores between
// them; this measures what HTTP adds for a client that does not.

const clientAddrEnv = "STRATA_LOAD_CLIENT_ADDR"

func init() {
	addr := os.Getenv(clientAddrEnv)
	if addr == "" {
		return
	}
	reqs := prepared(nil, "http://"+addr)
	lc := &loadConn{addr: addr}
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		i, err := strconv.Atoi(in.Text())
		if err != nil || i < 0 || i >= len(reqs) {
			os.Exit(2)
		}
		start := time.Now()
		ns := int64(-1)
		if _, ok := lc.post(reqs[i]); ok {
			ns = time.Since(start).Nanoseconds()
		}
		fmt.Fprintln(out, ns)
		out.Flush()
	}
	os.Exit(0)
}

// loadClient is the client process.
type loadClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startLoadClient(b *testing.B, url string) *loadClient {
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), clientAddrEnv+"="+strings.TrimPrefix(url, "http://"))
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return &loadClient{cmd: cmd, in: in, out: bufio.NewScanner(out)}
}

// post has the client send query i and returns its round trip in ms.
func (lc *loadClient) post(b *testing.B, i int) float64 {
	if _, err := fmt.Fprintln(lc.in, i); err != nil {
		b.Fatal(err)
	}
	if !lc.out.Scan() {
		b.Fatalf("the client process ended: %v", lc.out.Err())
	}
	ns, err := strconv.ParseInt(lc.out.Text(), 10, 64)
	if err != nil || ns < 0 {
		b.Fatalf("query %d over HTTP from the client process failed (%q)", i+1, lc.out.Text())
	}
	return float64(ns) / 1e6
}

func (lc *loadClient) close() {
	lc.in.Close()
	_ = lc.cmd.Wait()
}

// perQueryOtherProcess is perQuery with the client in its own process.
func perQueryOtherProcess(b *testing.B, w *service.Project, url string) {
	lc := startLoadClient(b, url)
	defer lc.close()
	var sum float64
	qs := decoded(b)
	for i, q := range qs {
		var inProc, overHTTP []float64
		for j := 0; j < 200; j++ {
			start := time.Now()
			res, err := w.Query(b.Context(), q)
			if err != nil || !strings.HasPrefix(res.Meta.ServedBy, "txn_") {
				b.Fatalf("query %d: %v: served by %v", i+1, err, res)
			}
			inProc = append(inProc, float64(time.Since(start).Microseconds())/1000)
			overHTTP = append(overHTTP, lc.post(b, i))
		}
		ip, hp := banktest.Median(inProc), banktest.Median(overHTTP)
		sum += hp / ip
		b.ReportMetric(hp/ip, fmt.Sprintf("http/inproc-q%d-client-process", i+1))
		b.Logf("query %d alone, client in its own process: in-process p50 %.3f ms, HTTP p50 %.3f ms, ratio %.2f", i+1, ip, hp, hp/ip)
	}
	b.ReportMetric(sum/float64(len(qs)), "http/inproc-mean-client-process")
}
