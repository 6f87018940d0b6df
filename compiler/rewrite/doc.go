// Package rewrite moves the parts of a plan onto rollups. Each rewrite lives in
// a file of its own and opens with its algorithm; a rewrite returns a new plan
// and leaves its input as it was. Every rollup's verdict — used, or the first
// rule it failed, including "aggregates another fact" — is recorded by the
// rewrite itself as a Decision with a stable code and its prose, so that
// `strata explain` and the DataAPI say why.
//
// The compiler never opens a database: the rollups' definitions
// (compiler/rollup) and built state (table, definition hash, rows, freshness)
// are handed in as values by the caller.
package rewrite
