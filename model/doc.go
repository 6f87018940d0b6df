// Package model loads a Strata project — strata.yaml and its model files — into
// typed, position-carrying values, and checks everything that can be checked
// without expanding the ER model: the YAML's shape (unknown keys, wrong types),
// names (duplicates, unknown tables and columns), relationships (keys, cycles),
// metric definitions and their reference cycles, rollups and tags.
//
// A file is bounded before it is parsed (limits.go: size, nesting depth; a
// UTF-8 BOM is skipped) and while it is decoded (alias expansions; alias and
// merge cycles are positioned errors), so no file can exhaust the stack,
// memory or time.
//
// Load → (compiler) Check: expressions are parsed and resolved against the
// logical wide tables by compiler.Check (compiler/logical), which reports in
// the same Diagnostic form. This package imports no other package of the project and never opens a
// database.
package model
