package api

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-metrics/strata/materializer"

	"github.com/strata-metrics/strata/materializer/schedule"
)

// ScheduleMetrics counts rollup builds — the scheduler's running beside the
// DataAPI and those started by POST /v1/refresh or
// /v1/rollups/{name}/refresh — by duration and failure, and the scheduler's
// SLA breaches, by rollup.
type ScheduleMetrics struct {
	duration           *prometheus.HistogramVec
	failures, breaches *prometheus.CounterVec
}

// NewScheduleMetrics makes the collectors; pass it as Options.Schedule and
// feed it the scheduler's events with Observe. The jobs named start their
// failure and breach counters at 0, so that a rate or an alert over them has
// a series before the first failure.
func NewScheduleMetrics(jobs ...string) *ScheduleMetrics {
	m := &ScheduleMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "strata_refresh_duration_seconds", Help: "Successful rollup builds, by the scheduler or a refresh request.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, []string{"rollup"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_refresh_failures_total", Help: "Failed or cancelled rollup builds, by the scheduler or a refresh request."}, []string{"rollup"}),
		breaches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_sla_breaches_total", Help: "Times a rollup's staleness went over its freshness SLA."}, []string{"rollup"}),
	}
	for _, j := range jobs {
		m.failures.WithLabelValues(j)
		m.breaches.WithLabelValues(j)
	}
	return m
}

// Observe counts one scheduler event.
func (m *ScheduleMetrics) Observe(ev schedule.Event) {
	switch ev.Kind {
	case "done":
		m.duration.WithLabelValues(ev.Job).Observe(ev.Duration.Seconds())
	case "fail", "cancel":
		m.failures.WithLabelValues(ev.Job).Inc()
	case "breach":
		m.breaches.WithLabelValues(ev.Job).Inc()
	}
}

// observeBuild counts one build a refresh request started: its duration
// when it succeeded, a failure when it failed or was cancelled. A build the
// request only waited for (another caller's, counted by it) and a refresh
// that stopped waiting for another process's build count nothing.
func (m *ScheduleMetrics) observeBuild(r materializer.RefreshResult) {
	if r.Shared {
		return
	}
	var running *materializer.BuildRunningError
	switch {
	case errors.As(r.Err, &running):
	case r.Err != nil || r.Error != "":
		m.failures.WithLabelValues(r.Name).Inc()
	default:
		m.duration.WithLabelValues(r.Name).Observe(r.Duration.Seconds())
	}
}
