// Package sqlgen renders SQL for an engine's dialect: plans and checked
// expressions (one writer for every dialect), rollup builds, and the
// statements the materializer and the query service need — the _strata state
// tables, source views, stored-type narrowing (storage.go). What differs
// between engines — quoting, time zones and grains, the operators and
// aggregates the writer emits, distinct sets, DDL — is a required method of
// Dialect, so a dialect that lacks one does not compile; only the spelling of
// the allow-list's portable functions is a table (Func).
//
// It is the only package outside engine/ that holds SQL text, and no other
// package switches on the dialect (internal/archtest checks both).
package sqlgen
