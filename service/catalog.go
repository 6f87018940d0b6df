package service

import (
	"strings"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// Catalog is the one view of what a project offers, shared by `strata
// describe` (Wide, as text or JSON) and the DataAPI's /v1/catalog (the rest).
type Catalog struct {
	Name     string          `json:"name"`
	Timezone string          `json:"timezone"`
	Fields   []CatalogField  `json:"fields"`
	Metrics  []CatalogMetric `json:"metrics"`
	// Wide are the logical wide tables, fact by fact, as `strata describe
	// --format json` prints them.
	Wide []WideTable `json:"wide_tables"`
	// Tags are the audience builder's terms.
	Tags []CatalogTag `json:"tags"`
}

// CatalogTag is a tag of entities: a boolean tag is a term by its name; a
// categorical one (Value set) is `name = 'value'` for each value of Value.
type CatalogTag struct {
	Name   string `json:"name"`
	Entity string `json:"entity"`
	Value  string `json:"value,omitempty"`
}

// CatalogField is a field: its type, grains and the facts that reach it.
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

// CatalogMetric is a metric and the facts it aggregates: every fact one of its
// measures reads, so a ratio of two facts' metrics belongs to both.
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

var metricKinds = map[model.MetricKind]string{model.MetricSimple: "simple", model.MetricDerived: "derived", model.MetricOffset: "offset"}

// WideTable is one fact's wide table: its tables with their join paths and
// fields, and the metrics that aggregate it.
type WideTable struct {
	Fact    string      `json:"fact"`
	Tables  []WideGroup `json:"tables"`
	Metrics []string    `json:"metrics"`
}

// WideGroup is one table instance of a wide table.
type WideGroup struct {
	Alias  string      `json:"alias"`
	Table  string      `json:"table"`
	Role   bool        `json:"role,omitempty"`
	Path   []string    `json:"join_path"`
	Fields []WideField `json:"fields"`
}

// WideField is a field of a wide table.
type WideField struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Kind     string   `json:"kind"` // column | computed
	Grains   []string `json:"grains,omitempty"`
	Computed string   `json:"expr,omitempty"`
}

// NewCatalog builds the catalog view of a checked project.
func NewCatalog(cat *logical.Catalog) *Catalog {
	c := &Catalog{Name: cat.Project.Name, Timezone: cat.Project.Timezone, Tags: []CatalogTag{}}
	for _, t := range cat.Project.Tags {
		c.Tags = append(c.Tags, CatalogTag{Name: t.Name, Entity: t.Entity.Value, Value: t.Value.Value})
	}
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
		c.Fields = append(c.Fields, cf)
	}
	byFact := map[string][]string{}
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
				byFact[ms.Fact.Name()] = append(byFact[ms.Fact.Name()], m.Name)
			}
		}
		c.Metrics = append(c.Metrics, cm)
	}
	for _, w := range cat.Wide {
		wt := WideTable{Fact: w.Fact.Name, Metrics: append([]string{}, byFact[w.Name()]...)}
		for _, in := range w.Instances {
			g := WideGroup{Alias: in.Alias, Table: in.Table.Name, Role: in.Role, Path: []string{}}
			for _, j := range in.Path {
				g.Path = append(g.Path, j.String())
			}
			for _, f := range w.Fields {
				if f.Alias != in.Alias {
					continue
				}
				wf := WideField{Name: f.Name, Type: f.Type.String(), Kind: "column", Grains: f.Grains()}
				if f.Computed != nil {
					wf.Kind = "computed"
					wf.Computed = strings.TrimSpace(f.Dim.Expr.Text)
				}
				g.Fields = append(g.Fields, wf)
			}
			wt.Tables = append(wt.Tables, g)
		}
		c.Wide = append(c.Wide, wt)
	}
	return c
}
