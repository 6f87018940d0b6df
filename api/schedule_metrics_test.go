package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer/schedule"
	"github.com/strata-metrics/strata/service"
)

// TestScheduleMetricsOnMetrics scrapes /metrics of a server on a real
// listener: the scheduler's series carry the names
// (strata_refresh_duration_seconds, strata_refresh_failures_total,
// strata_sla_breaches_total) beside strata_rollup_staleness_seconds, the
// counters of every job exist at 0 before anything happened, and each
// scheduler event moves its own series.
func TestScheduleMetricsOnMetrics(t *testing.T) {
	e := scopedServer(t)
	var jobs []string
	for _, j := range e.project.Materializer().Jobs() {
		jobs = append(jobs, j.Name)
	}
	m := api.NewScheduleMetrics(jobs...)
	keys, _ := api.KeysFrom(e.project.Project)
	srv := httptest.NewServer(api.New(e.project, api.Options{Keys: keys, KeysConfigured: true, Schedule: m}))
	defer srv.Close()
	env := *e
	env.url = srv.URL
	scrape := func() string {
		t.Helper()
		resp, b := env.call(t, "", "GET", "/metrics", "")
		if resp.StatusCode != 200 {
			t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	value := func(text, series string) string {
		t.Helper()
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
		if m := re.FindStringSubmatch(text); m != nil {
			return m[1]
		}
		return "absent"
	}

	before := scrape()
	for _, r := range []string{"txn_daily", "txn_monthly_segment", "txn_region_monthly"} {
		for _, s := range []string{`strata_refresh_failures_total{rollup="` + r + `"}`, `strata_sla_breaches_total{rollup="` + r + `"}`} {
			if v := value(before, s); v != "0" {
				t.Errorf("%s before any build = %s, want 0", s, v)
			}
		}
		if v := value(before, `strata_rollup_staleness_seconds{rollup="`+r+`"}`); v == "absent" {
			t.Errorf("no staleness series for %s", r)
		}
	}

	m.Observe(schedule.Event{Job: "txn_daily", Kind: "done", Duration: 2 * time.Second})
	m.Observe(schedule.Event{Job: "txn_daily", Kind: "done", Duration: 4 * time.Second})
	m.Observe(schedule.Event{Job: "txn_daily", Kind: "fail", Err: errors.New("source unreadable")})
	m.Observe(schedule.Event{Job: "txn_monthly_segment", Kind: "cancel"})
	m.Observe(schedule.Event{Job: "txn_monthly_segment", Kind: "breach"})
	after := scrape()
	want := map[string]string{
		`strata_refresh_duration_seconds_count{rollup="txn_daily"}`:   "2",
		`strata_refresh_duration_seconds_sum{rollup="txn_daily"}`:     "6",
		`strata_refresh_failures_total{rollup="txn_daily"}`:           "1",
		`strata_refresh_failures_total{rollup="txn_monthly_segment"}`: "1",
		`strata_sla_breaches_total{rollup="txn_monthly_segment"}`:     "1",
		`strata_sla_breaches_total{rollup="txn_daily"}`:               "0",
	}
	for s, v := range want {
		if got := value(after, s); got != v {
			t.Errorf("%s = %s, want %s", s, got, v)
		}
	}
	if !strings.Contains(after, "# TYPE strata_refresh_duration_seconds histogram") {
		t.Errorf("strata_refresh_duration_seconds is not a histogram")
	}
}

// TestRefreshRequestsCounted: builds started over a real listener by POST
// /v1/rollups/{name}/refresh and POST /v1/refresh (plain and NDJSON) move
// strata_refresh_duration_seconds and strata_refresh_failures_total under
// the rollup's label, as the scheduler's builds do — with the scheduler's
// collectors when one runs beside the server, and without a scheduler too.
// A build over a corrupt source is a failure; the healthy ones are
// durations.
func TestRefreshRequestsCounted(t *testing.T) {
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 1000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "app_events.parquet"), []byte("not parquet at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var jobs []string
	for _, j := range w.Materializer().Jobs() {
		jobs = append(jobs, j.Name)
	}
	for _, withScheduler := range []bool{false, true} {
		opts := api.Options{}
		var m *api.ScheduleMetrics
		if withScheduler {
			m = api.NewScheduleMetrics(jobs...)
			opts.Schedule = m
		}
		srv := httptest.NewServer(api.New(w, opts))
		call := func(method, path, body string, header ...string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if m != nil { // a scheduler build beside the requests: one series
			m.Observe(schedule.Event{Job: "txn_daily", Kind: "done", Duration: time.Second})
		}
		if code, b := call("POST", "/v1/rollups/app_daily/refresh", ""); code != 500 || !strings.Contains(b, "build-failed") {
			t.Fatalf("refresh over a corrupt source: %d %s", code, b)
		}
		if code, b := call("POST", "/v1/rollups/txn_daily/refresh", ""); code != 200 {
			t.Fatalf("refresh txn_daily: %d %s", code, b)
		}
		if code, b := call("POST", "/v1/refresh", `{"names":["txn_daily","app_daily"]}`); code != 200 || !strings.Contains(b, `"error"`) {
			t.Fatalf("POST /v1/refresh: %d %s", code, b)
		}
		if code, b := call("POST", "/v1/refresh", `{"names":["txn_daily"]}`, "Accept", api.MimeNDJSON); code != 200 || !strings.Contains(b, `"report"`) {
			t.Fatalf("POST /v1/refresh (NDJSON): %d %s", code, b)
		}
		code, text := call("GET", "/metrics", "")
		srv.Close()
		if code != 200 {
			t.Fatalf("/metrics: %d %s", code, text)
		}
		value := func(series string) string {
			re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
			if m := re.FindStringSubmatch(text); m != nil {
				return m[1]
			}
			return "absent"
		}
		builds := 3 // txn_daily: /v1/rollups/…/refresh, /v1/refresh, NDJSON
		if withScheduler {
			builds++
		}
		want := map[string]string{
			`strata_refresh_duration_seconds_count{rollup="txn_daily"}`: strconv.Itoa(builds),
			`strata_refresh_failures_total{rollup="app_daily"}`:         "2",
			`strata_refresh_failures_total{rollup="txn_daily"}`:         "0",
			`strata_refresh_duration_seconds_count{rollup="app_daily"}`: "absent",
		}
		for s, v := range want {
			if got := value(s); got != v {
				t.Errorf("scheduler %v: %s = %s, want %s", withScheduler, s, got, v)
			}
		}
		if sum, err := strconv.ParseFloat(value(`strata_refresh_duration_seconds_sum{rollup="txn_daily"}`), 64); err != nil || sum <= 0 {
			t.Errorf("scheduler %v: duration sum %v %v", withScheduler, sum, err)
		}
	}
}
