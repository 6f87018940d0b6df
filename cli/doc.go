// Package cli holds the `strata` command's cobra commands. Commands write only
// to the writers handed to Main, so they are tested in-process. Queries,
// explains, status and builds go through the query service (service/), and
// `strata compile` through compiler.Compile; the CLI holds no query logic of
// its own.
//
// Exit codes: 0 success, 1 the input was wrong (invalid model, bad query) or the
// work failed, 2 usage error.
package cli
