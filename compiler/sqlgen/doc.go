// Package sqlgen renders plans and checked expressions as SQL for an engine's
// dialect. One writer serves every dialect; what differs between engines —
// quoting, time zones and grains, a few functions, NULL ordering — sits behind
// the small Dialect interface. No other package switches on the dialect.
package sqlgen
