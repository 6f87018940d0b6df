// Package materializer builds rollups and keeps their state. It works through
// engine.Engine and renders every statement with the compiler's sqlgen for the
// engine's dialect: it writes no SQL itself and opens no database — the caller
// (the CLI or the query service) hands it an open engine and its dialect.
//
// State lives in the engine, in the _strata schema (sqlgen.StateDDL): one row
// per rollup naming the table that holds its current version, and one row per
// source view saying what it reads. Queries are the query service's
// (service/); this package never answers them.
package materializer
