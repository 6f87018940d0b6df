package service

import (
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine"
)

// Column describes a result column for clients.
type Column struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Label  string `json:"label,omitempty"`
	Format string `json:"format,omitempty"`
}

// Meta says how a result was produced.
type Meta struct {
	ServedBy string  `json:"served_by"`
	SQL      string  `json:"sql"`
	TookMS   float64 `json:"took_ms"`
	// Freshness is the time up to which the answer reflects the source: the
	// serving rollups' oldest build time; empty when served raw (always current).
	Freshness string `json:"freshness,omitempty"`
}

// Result is a metric query's answer.
type Result struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Meta    Meta     `json:"meta"`
}

// EngineError is an engine failure as users read it (engine.Clean).
type EngineError = engine.Failure

// ErrCanceled reports a query stopped by its deadline or caller.
var ErrCanceled = engine.ErrCanceled

func columnsOf(p *plan.Plan) []Column {
	var cols []Column
	for _, d := range p.Dims {
		f := p.Catalog.AnyField(d.Field)
		label := ""
		if f != nil && f.Dim != nil {
			label = f.Dim.Label
		}
		cols = append(cols, Column{Name: d.Name, Type: d.Type.String(), Label: label})
	}
	for _, m := range p.Metrics {
		cols = append(cols, Column{Name: m.Name, Type: m.Type.String(), Label: m.Def.Label, Format: m.Def.Format})
	}
	return cols
}
