package api

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-metrics/strata/materializer/schedule"
)

// ScheduleMetrics counts what the scheduler running beside the DataAPI did:
// build durations, failed builds and SLA breaches, by rollup.
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
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "strata_refresh_duration_seconds", Help: "Successful rollup builds by the scheduler.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, []string{"rollup"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_refresh_failures_total", Help: "Failed or cancelled rollup builds by the scheduler."}, []string{"rollup"}),
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
