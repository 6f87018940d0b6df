// Package enginetest is what the conformance suite needs to run one set of
// tests on every engine available: DuckDB always, MariaDB (or MySQL) when
// STRATA_TEST_MYSQL_DSN names a server, StarRocks or Doris when
// STRATA_TEST_STARROCKS_DSN names a cluster. It finds and opens the engines (a
// fresh database per test on a shared server, or a throwaway mariadbd of the
// test's own for fault tests) and loads tables into them with their declared
// types. The suite itself, which compiles metric queries, lives in
// materializer's tests (TestConformance): engine/ must not import the compiler.
//
// Outside CI a missing server skips the MySQL-protocol tests with a message
// saying how to start one; under CI (CI=true) it fails them. A missing
// StarRocks or Doris cluster skips its tests everywhere, CI included: no
// cluster runs on the CI machine (docs/starrocks.md says how to name one).
//
// Like every package under engine/ it imports neither model/ nor compiler/:
// callers hand it column types by their portable names.
package enginetest
