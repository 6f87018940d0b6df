// Package compiler turns a loaded model into the logical layer and metric
// queries into SQL. It is pure: it imports model/ and the TiDB parser, and never
// opens a database. Its phases hand over typed values, and Compile runs them
// for every caller:
//
//	model.Load → Check (logical wide tables + expressions)
//	           → plan.Build → rewrite.Apply (onto rollups) → sqlgen.Generate
//
// Rollup definitions (compiler/rollup) are shared by the rewrite, the SQL
// writer and the materializer; the rollups' built state comes in as a value.
package compiler
