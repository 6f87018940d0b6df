// Package schedule decides when each rollup is rebuilt and runs the builds:
// cron instants (robfig/cron), the freshness SLA (a rollup is rebuilt early
// enough that the oldest source change not yet folded in never gets older
// than its `freshness`, judged by its measured build durations), at most N
// builds at once ordered by SLA urgency, retries with exponential backoff and
// jitter, cancellation, a lease so that two processes never build one rollup
// at once, and state that survives a restart.
//
// It is pure Go: it knows nothing of engines, SQL or the model. The caller
// hands it a Probe (what the sources look like now), a Build (rebuild one
// rollup), a Store (where its state lives) and a Lease; the materializer
// implements them over the engine's _strata schema. Time comes from a
// clockwork.Clock so that tests can run a simulated day in milliseconds.
package schedule
