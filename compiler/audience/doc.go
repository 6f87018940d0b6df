// Package audience compiles CDP audience expressions: tags, `tag = 'value'`,
// `tag IN (…)` for categorical tags, entity predicates such as
// `customers.aum > 1000000`, combined with AND, OR, NOT and parentheses.
//
// An expression is parsed with the TiDB parser like every other expression,
// checked against the project's tags and the fields of the tags' entity table,
// and turned into a typed tree (Node) whose leaves are tag sets (evaluated on
// bitmaps) and predicates (rendered by compiler/sqlgen and evaluated once in
// the engine). AND, OR and NOT are set operations within the population, the
// entity table: NOT x is every entity not in x, so an entity with a NULL
// segment is in `NOT segment = 'staff'`, and a predicate holds only where it
// is TRUE.
//
// The package is pure: it imports model/ and compiler/ packages, never a
// database.
package audience
