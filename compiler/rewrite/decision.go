package rewrite

import (
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
)

// State is a rollup's built state as the materializer last recorded it.
type State struct {
	Table   string    // the engine table holding the current version
	Hash    string    // the definition hash it was built from
	Rows    int64     // its row count: the cost of reading it
	BuiltAt time.Time // when its build finished
	// SourceChanged is true when a source the rollup reads changed after it was built.
	SourceChanged bool
	// Stale, when SourceChanged, lists the partitions the change touched,
	// if the materializer could tell (a partitioned rollup whose fact files
	// changed); the rollup then serves with a lambda tail (see tail.go).
	Stale []plan.Range
	// StaleFiles are the fact files holding every row of the stale
	// partitions, when known; the tail reads only them.
	StaleFiles []string
	// StaleWhy, when SourceChanged and no tail serves, says which change
	// rules the tail out (a joined table's), for the verdict's prose.
	StaleWhy string
}

// Input is what the rewrite needs besides the plan: the rollups' definitions
// and built state, and the time.
type Input struct {
	Rollups []*rollup.Rollup
	States  map[string]State
	Now     time.Time
}

// Decision records, for one rollup and one part, whether it serves the part or
// the first rule it failed. A rollup of a fact the query does not read has one
// decision with no part.
type Decision struct {
	Rollup string `json:"rollup"`
	Part   string `json:"part"`
	Used   bool   `json:"used"`
	// Code is the stable name of the verdict (one of the Code constants);
	// Reason says it in prose.
	Code   string `json:"code"`
	Reason string `json:"reason,omitempty"`
	Rows   int64  `json:"rows,omitempty"`
}

// The verdicts a decision can carry. They are stable: tools match on them.
const (
	CodeUsed         = "used"          // the rollup serves the part
	CodeCheaper      = "cheaper"       // it could, but a smaller rollup does
	CodeOtherFact    = "other_fact"    // it aggregates a fact the query does not read
	CodeNoRollup     = "no_rollup"     // the query disabled rollups
	CodeAudience     = "audience"      // an audience restricts an entity key it does not keep
	CodeNotBuilt     = "not_built"     // never built
	CodeOutdated     = "outdated"      // built from an older definition
	CodeDimension    = "dimension"     // a query dimension or grain it cannot give
	CodeFilterField  = "filter_field"  // a filter reads a field it does not keep
	CodeScopeField   = "scope_field"   // the key's scope reads a field it does not keep
	CodeFilterBound  = "filter_bound"  // a time filter off the rollup's grain boundaries
	CodeShiftSplits  = "shift_splits"  // a period-over-period shift splits its periods
	CodeWindow       = "window"        // a cumulative metric's window splits its periods
	CodeMeasure      = "measure"       // a measure it does not store
	CodeSemiAdditive = "semi_additive" // a semi-additive measure it cannot re-aggregate
	CodeStale        = "stale"         // its sources changed beyond the query's tolerance
)
