// Package sqlfront reads the SQL form of a metric query: a SELECT over a fact's
// logical wide table, parsed with the TiDB parser and turned into the same
// plan.Query the JSON form decodes to, so that SQL is answered by the same
// plan, rewrite and engine.
//
// Select items are fields as written (`customers.segment`, a backquoted
// `customers.segment`, grain fields such as transactions.txn_time.month),
// DATE_TRUNC('grain', f) and DATE(f) of a time field, and metrics — bare,
// MEASURE(m), or the metric's own aggregate (SUM(txn_amount) for a sum
// metric). WHERE becomes the query's where, HAVING its having; GROUP BY (by
// name or position) must match the selected fields; ORDER BY takes names,
// aliases and positions; LIMIT and OFFSET page. Anything a metric query cannot
// express — joins, subqueries, window functions, UNION, SELECT *, writes — is
// an *Error with the line and column it starts at.
//
// The package is pure: it imports the compiler's plan, logical and expr
// packages and the model, never a database or an engine. It writes no SQL: the
// filters it hands over are restored from the syntax tree and parsed again by
// the plan builder like any query's.
package sqlfront
