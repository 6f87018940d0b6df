package service

import (
	"time"

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
	// Freshness is the time up to which the answer reflects the sources: the
	// serving rollups' oldest build time, or on the raw path the newest
	// modification of the source files read.
	Freshness string `json:"freshness,omitempty"`
	// Cached is true when the answer came from the result cache.
	Cached bool `json:"cached"`
	// RequestID identifies the request that asked (set by the DataAPI).
	RequestID string `json:"request_id,omitempty"`
	// Tags are the tag versions an audience-restricted answer read (as_of),
	// each saying whether it is stale; empty without an audience.
	Tags []TagUse `json:"tags,omitempty"`
	// ETag is the answer's cache key, MaxAge how long a client may reuse it.
	ETag   string        `json:"-"`
	MaxAge time.Duration `json:"-"`
	// QueuedMS is how long the query waited for its turn at an embedded
	// engine before TookMS began (see Project.QueryCapped); the DataAPI sends
	// it as Strata-Queued-Ms.
	QueuedMS float64 `json:"-"`
}

// Result is a metric query's answer.
type Result struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Meta    Meta     `json:"meta"`
	// Truncated is set when the engine had more rows than the cap asked of
	// QueryCapped; Rows then holds only the first ones.
	Truncated bool `json:"-"`
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
