// Package service is the query service: a project opened for readers. It holds
// the checked catalog, a cache of the rollups' built state, and an engine; it
// compiles queries with compiler.Compile, runs them through engine.Engine, and
// renders results (JSON, CSV, Arrow, text tables) and the catalog view. The
// CLI and the DataAPI answer queries only through it.
//
// Opening reads the state, writes source views only when their definition or
// file changed since they were recorded, and drops rollup tables no state row
// names (what a killed build left). A source that cannot be read affects only
// the queries that read it (SourceError). Builds are the materializer's;
// Refresh here serializes them per rollup and swaps each new version in while
// running queries keep theirs (readers.go).
//
// It may import compiler/, engine/ and materializer/, never api/ or cli/.
package service
