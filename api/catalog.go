package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/materializer"
)

// CatalogField is a field as the catalog endpoint lists it.
type CatalogField struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Grains []string `json:"grains,omitempty"`
	Facts  []string `json:"facts"`
}

// CatalogMetric is a metric as the catalog endpoint lists it.
type CatalogMetric struct {
	Name        string   `json:"name"`
	Label       string   `json:"label,omitempty"`
	Description string   `json:"description,omitempty"`
	Format      string   `json:"format,omitempty"`
	Type        string   `json:"type"`
	Facts       []string `json:"facts"`
}

// Catalog lists the fields and metrics a dashboard can ask for.
func Catalog(cat *logical.Catalog) map[string]any {
	var fields []CatalogField
	for _, name := range cat.FieldNames() {
		f := cat.AnyField(name)
		cf := CatalogField{Name: name, Type: f.Type.String(), Grains: f.Grains()}
		for _, w := range cat.Reaching(name) {
			cf.Facts = append(cf.Facts, w.Name())
		}
		fields = append(fields, cf)
	}
	var metrics []CatalogMetric
	for _, m := range cat.Project.Metrics {
		lm := cat.Metrics[m.Name]
		cm := CatalogMetric{Name: m.Name, Label: m.Label, Description: m.Description, Format: m.Format, Type: lm.Type.String(), Facts: []string{}}
		seen := map[string]bool{}
		for _, ms := range cat.Measures(m.Name) {
			if ms.Fact != nil && !seen[ms.Fact.Name()] {
				seen[ms.Fact.Name()] = true
				cm.Facts = append(cm.Facts, ms.Fact.Name())
			}
		}
		metrics = append(metrics, cm)
	}
	return map[string]any{"name": cat.Project.Name, "timezone": cat.Project.Timezone, "fields": fields, "metrics": metrics}
}

// rollupCollector exports each rollup's rows, age and health at scrape time.
type rollupCollector struct {
	w                  *materializer.Warehouse
	rows, age, healthy *prometheus.Desc
}

func newRollupCollector(w *materializer.Warehouse) *rollupCollector {
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
