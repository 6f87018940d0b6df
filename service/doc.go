// Package service is the query service: a project opened for readers. It holds
// the checked catalog, a cache of the rollups' built state, and an engine; it
// compiles queries with compiler.Compile, runs them through engine.Engine, and
// renders results (JSON, CSV, Arrow, text tables) and the catalog view. The
// CLI and the DataAPI answer queries only through it.
//
// Opening is read-only: the state is read, and source views are written only
// when their definition or file changed since they were recorded. Builds are
// the materializer's; Refresh here delegates to it and reloads the cache.
//
// It may import compiler/, engine/ and materializer/, never api/ or cli/.
package service
