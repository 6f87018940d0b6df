package api_test

import (
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/materializer/schedule"
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
