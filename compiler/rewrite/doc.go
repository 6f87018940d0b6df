// Package rewrite moves the parts of a plan onto rollups. Each rewrite lives in
// a file of its own and opens with its algorithm; every rollup not chosen is
// recorded with the first rule it failed, so `strata explain` can say why.
//
// The compiler never opens a database: the rollups' built state (table,
// definition hash, rows, freshness) is handed in as a value by the caller.
package rewrite
