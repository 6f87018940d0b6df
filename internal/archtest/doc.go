// Package archtest holds the tests that keep the architecture as STYLE.md
// draws it: imports point one way (cli/api → service/materializer → compiler →
// model; engine/ imports neither model/ nor compiler/; the compiler opens no
// database), and SQL text and dialect decisions live only in compiler/sqlgen
// and engine/. It has no code of its own.
package archtest
