// Package materializer owns the warehouse: it opens the project's engine,
// exposes the model's sources to it, builds rollups and tag bitmaps on
// schedule, keeps their state in the engine, and answers metric queries by
// compiling them, choosing a rollup, and running the SQL. It is the layer that
// pairs a compiler dialect with an engine for the CLI and the API.
package materializer
