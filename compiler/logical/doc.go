// Package logical expands the physical ER model into the logical layer: for
// each fact, its super-wide table — the fact LEFT JOINed along every
// many_to_one / one_to_one path to the tables it reaches — with a catalog of
// fields (`table.column`, `role.column`, computed dimensions, time fields and
// their grains) and the metrics checked against it.
//
// Fan-out is impossible by construction: only edges that point from a many
// side to a one side are followed, so every fact row appears exactly once.
// This package parses expressions (via compiler/expr) but renders no SQL and
// never opens a database.
package logical
