package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
)

// CatalogField is a field as the catalog endpoint lists it.
type CatalogField struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Grains []string `json:"grains,omitempty"`
	Facts  []string `json:"facts"`
	// Table is the table instance holding the field (a role's name under a
	// role); SourceTable the physical table behind it.
	Table       string `json:"table"`
	SourceTable string `json:"source_table"`
	Role        bool   `json:"role,omitempty"`
	Computed    bool   `json:"computed,omitempty"`
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`
}

// CatalogWide is a fact's wide table: the table instances it reaches and how.
type CatalogWide struct {
	Fact        string            `json:"fact"`
	Description string            `json:"description,omitempty"`
	Tables      []CatalogInstance `json:"tables"`
}

// CatalogInstance is one table instance of a wide table with its join path.
type CatalogInstance struct {
	Name  string `json:"name"`
	Table string `json:"table"`
	Role  bool   `json:"role,omitempty"`
	Path  string `json:"path"`
}

// CatalogMetric is a metric as the catalog endpoint lists it.
type CatalogMetric struct {
	Name        string   `json:"name"`
	Label       string   `json:"label,omitempty"`
	Description string   `json:"description,omitempty"`
	Format      string   `json:"format,omitempty"`
	Type        string   `json:"type"`
	Facts       []string `json:"facts"`
	// Kind is simple, derived or offset; Agg a simple metric's aggregation.
	Kind string `json:"kind"`
	Agg  string `json:"agg,omitempty"`
	// Filtered says a simple metric counts only the rows its filter keeps.
	Filtered bool `json:"filtered,omitempty"`
	// Additive says values over disjoint groups add up to the total (a plain
	// sum or count), so a table may show totals.
	Additive bool `json:"additive"`
}

// Catalog lists the fields and metrics a dashboard can ask for.
func Catalog(cat *logical.Catalog) map[string]any {
	var fields []CatalogField
	for _, name := range cat.FieldNames() {
		f := cat.AnyField(name)
		cf := CatalogField{Name: name, Type: f.Type.String(), Grains: f.Grains(), Table: f.Alias, Description: f.Desc, Computed: f.Column == ""}
		if f.Dim != nil {
			cf.Label = f.Dim.Label
		}
		for _, w := range cat.Reaching(name) {
			cf.Facts = append(cf.Facts, w.Name())
			if in := w.Instance(f.Alias); in != nil {
				cf.SourceTable, cf.Role = in.Table.Name, in.Role
			}
		}
		fields = append(fields, cf)
	}
	var metrics []CatalogMetric
	for _, m := range cat.Project.Metrics {
		lm := cat.Metrics[m.Name]
		cm := CatalogMetric{Name: m.Name, Label: m.Label, Description: m.Description, Format: m.Format, Type: lm.Type.String(), Facts: []string{}, Kind: metricKinds[m.Kind]}
		if m.Kind == model.MetricSimple {
			cm.Agg, cm.Filtered = lm.Agg, lm.Filter != nil
			cm.Additive = (lm.Agg == model.AggSum || lm.Agg == model.AggCount) && lm.NonAdditive == nil
		}
		seen := map[string]bool{}
		for _, ms := range cat.Measures(m.Name) {
			if ms.Fact != nil && !seen[ms.Fact.Name()] {
				seen[ms.Fact.Name()] = true
				cm.Facts = append(cm.Facts, ms.Fact.Name())
			}
		}
		metrics = append(metrics, cm)
	}
	wide := []CatalogWide{}
	for _, w := range cat.Wide {
		cw := CatalogWide{Fact: w.Name(), Description: w.Fact.Description}
		for _, in := range w.Instances {
			cw.Tables = append(cw.Tables, CatalogInstance{Name: in.Alias, Table: in.Table.Name, Role: in.Role, Path: in.PathString()})
		}
		wide = append(wide, cw)
	}
	return map[string]any{"name": cat.Project.Name, "timezone": cat.Project.Timezone, "fields": fields, "metrics": metrics, "wide_tables": wide}
}

var metricKinds = map[model.MetricKind]string{model.MetricSimple: "simple", model.MetricDerived: "derived", model.MetricOffset: "offset"}

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
