// Package compiler turns a loaded model into the logical layer and metric
// queries into SQL. It is pure: it imports model/ and the TiDB parser, and never
// opens a database. Its phases hand over typed values:
//
//	model.Load → Check (logical wide tables + expressions) → plan.Build → rewrite → sqlgen.Generate
package compiler
