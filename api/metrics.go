package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-metrics/strata/service"
)

// rollupCollector exports each rollup's rows, age and health at scrape time.
type rollupCollector struct {
	w                  *service.Project
	rows, age, healthy *prometheus.Desc
}

func newRollupCollector(w *service.Project) *rollupCollector {
	return &rollupCollector{w: w,
		rows:    prometheus.NewDesc("strata_rollup_rows", "Rows in the rollup's current version.", []string{"rollup"}, nil),
		age:     prometheus.NewDesc("strata_rollup_age_seconds", "Seconds since the rollup's current version was built.", []string{"rollup"}, nil),
		healthy: prometheus.NewDesc("strata_rollup_fresh", "1 when the rollup is built from the current definition and its sources are unchanged.", []string{"rollup"}, nil),
	}
}

func (rc *rollupCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- rc.rows
	ch <- rc.age
	ch <- rc.healthy
}

func (rc *rollupCollector) Collect(ch chan<- prometheus.Metric) {
	st, err := rc.w.Status(context.Background())
	if err != nil {
		return
	}
	for _, s := range st {
		ch <- prometheus.MustNewConstMetric(rc.rows, prometheus.GaugeValue, float64(s.Rows), s.Name)
		fresh := 0.0
		if s.Fresh {
			fresh = 1
		}
		ch <- prometheus.MustNewConstMetric(rc.healthy, prometheus.GaugeValue, fresh, s.Name)
		if !s.BuiltAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(rc.age, prometheus.GaugeValue, timeSince(s.BuiltAt), s.Name)
		}
	}
}

func timeSince(t time.Time) float64 { return time.Since(t).Seconds() }
