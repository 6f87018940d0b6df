package rewrite

import "github.com/strata-metrics/strata/compiler/plan"

// The lambda tail: a rollup whose sources changed keeps serving, exactly.
//
// Algorithm:
//  1. The materializer compares the fact files a partitioned rollup was built
//     from with the current ones and lists the partitions the difference
//     touches (new files, rewritten ones, removed ones; rows with a NULL
//     time are a partition of their own). It passes them as State.Stale
//     when it can tell; a change it cannot place (a dimension table, a file
//     without statistics) leaves Stale empty and the rollup stale as before.
//  2. Rule 6 of Apply then holds for the rollup: its complete partitions are
//     current, and the stale ones are read from the raw rows.
//  3. The chosen part's RollupSource carries the stale ranges; sqlgen reads
//     the rollup's rows outside them UNION ALL the raw rows inside them,
//     aggregated the way the rollup stores them, so every later step (merge,
//     filters, grains) reads one table of the rollup's shape.
//  4. The part's source reads "<rollup>+tail" in served_by and explain.
//
// Among candidates the cost stays the rollup's row count: the tail's raw
// rows are few by construction (recent partitions) and the same for every
// rollup of the fact.

// tailServes reports whether a rollup with changed sources can still serve
// through a tail.
func tailServes(st State) bool { return st.SourceChanged && len(st.Stale) > 0 }

// withTail attaches the stale ranges to a part the rollup serves.
func withTail(pt *plan.Part, st State) {
	if !tailServes(st) {
		return
	}
	pt.Rollup.Stale = append([]plan.Range(nil), st.Stale...)
	pt.Rollup.StaleFiles = append([]string(nil), st.StaleFiles...)
	pt.Source = pt.Rollup.Name + "+tail"
}
