// Package plan turns a metric query into a logical plan: names resolved
// (bare unique names allowed), metrics decomposed into the simple measures they
// are computed from, measures grouped into parts — one aggregation of one fact's
// wide table each — and the joins each part needs. A plan prints as text for
// golden tests; compiler/sqlgen renders it for a dialect and compiler/rewrite
// may move its parts onto rollups.
//
// Preconditions: the catalog was built without errors (logical.Build).
package plan
