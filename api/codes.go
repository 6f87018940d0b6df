package api

import "net/http"

// The DataAPI's error codes, every one of them, with the status each answers.
// Codes are kebab-case and stable: clients match on them, never on messages.
// A code is given to an error in exactly one place (toError, or the
// middleware for the transport's own refusals); the status always comes from
// this table.
var codes = map[string]int{
	// The request itself.
	"bad-request":        http.StatusBadRequest,            // unreadable body, malformed parameters
	"unauthorized":       http.StatusUnauthorized,          // missing or wrong bearer token
	"not-found":          http.StatusNotFound,              // no such endpoint
	"unknown-rollup":     http.StatusNotFound,              // no rollup of that name
	"method-not-allowed": http.StatusMethodNotAllowed,      // the endpoint exists for other methods (Allow lists them)
	"too-large":          http.StatusRequestEntityTooLarge, // a body or a result over its limit
	"too-many-requests":  http.StatusTooManyRequests,       // every query slot busy (Retry-After says when to retry)

	// The query, as compiled (plan.Error codes; the field and offset say where).
	"bad-json":              http.StatusBadRequest,
	"duplicate-key":         http.StatusBadRequest,
	"unknown-field":         http.StatusBadRequest,
	"ambiguous-field":       http.StatusBadRequest,
	"unreachable-field":     http.StatusBadRequest,
	"unknown-metric":        http.StatusBadRequest,
	"unknown-function":      http.StatusBadRequest,
	"no-metrics":            http.StatusBadRequest,
	"duplicate":             http.StatusBadRequest,
	"bad-grain":             http.StatusBadRequest,
	"bad-limit":             http.StatusBadRequest,
	"bad-order":             http.StatusBadRequest,
	"bad-value":             http.StatusBadRequest,
	"bad-arguments":         http.StatusBadRequest,
	"expr-syntax":           http.StatusBadRequest,
	"expr-not-allowed":      http.StatusBadRequest,
	"aggregate-not-allowed": http.StatusBadRequest,
	"metric-in-where":       http.StatusBadRequest,
	"non-metric-in-having":  http.StatusBadRequest,
	"metric-cycle":          http.StatusBadRequest,
	"nested-offset":         http.StatusBadRequest,
	"offset-needs-time":     http.StatusBadRequest,
	"type-mismatch":         http.StatusBadRequest, // an operand of the wrong type, or a literal that is no valid date
	"bad-literal":           http.StatusBadRequest, // hex, bit and NUL-holding literals
	"bad-period-label":      http.StatusBadRequest, // a grain field compared with a date that starts no period
	"expr-too-deep":         http.StatusBadRequest,
	"expr-too-large":        http.StatusBadRequest,
	"window-needs-time":     http.StatusBadRequest, // a cumulative metric without its one time dimension
	"nested-window":         http.StatusBadRequest,
	"bad-timezone":          http.StatusBadRequest, // a time zone the time filter cannot resolve
	"bad-from":              http.StatusBadRequest, // from given with metrics, which read their own facts

	// SQL statements (compiler/sqlfront; the position says where).
	"sql-syntax":       http.StatusBadRequest,
	"unknown-table":    http.StatusBadRequest, // FROM names no wide table
	"unknown-database": http.StatusBadRequest, // a qualifier that is not the project
	"read-only":        http.StatusBadRequest, // a statement that writes
	"not-supported":    http.StatusBadRequest, // SQL a metric query cannot express
	"bad-aggregate":    http.StatusBadRequest, // an aggregate that is not the metric's own
	"bad-group-by":     http.StatusBadRequest,
	"bad-parameter":    http.StatusBadRequest, // a prepared statement's arguments do not fit
	"query":            http.StatusBadRequest, // a statement that selects no metric

	// Appended rows (POST /v1/ingest/{table}; the position gives row and column).
	"not-a-fact":     http.StatusBadRequest, // rows are appended to facts only
	"not-appendable": http.StatusConflict,   // the fact's source cannot take rows (csv, or files on a server engine)
	"no-rows":        http.StatusBadRequest,
	"bad-arrow":      http.StatusBadRequest, // a body that is no Arrow IPC stream
	"unknown-column": http.StatusBadRequest, // a key that is no column of the table

	// Keys and scopes.
	"forbidden-metric":  http.StatusForbidden,           // the key may not read that metric
	"forbidden-scope":   http.StatusForbidden,           // the key's row limit does not apply to audiences of that entity
	"forbidden-fact":    http.StatusForbidden,           // the key may read no metric of the fact a query without metrics lists values from
	"scope-unreachable": http.StatusForbidden,           // the key's scope cannot apply to that fact
	"forbidden":         http.StatusForbidden,           // an operation on the whole warehouse asked with a scoped key
	"bad-scope":         http.StatusInternalServerError, // the key's own scope no longer compiles against the model: the server's configuration, not the request

	// Audiences (the request and its expression).
	"audience-empty":         http.StatusBadRequest,
	"audience-entities":      http.StatusBadRequest, // tags or audiences of different entities combined
	"audience-entity":        http.StatusBadRequest,
	"audience-foreign-field": http.StatusBadRequest,
	"audience-tag-operator":  http.StatusBadRequest,
	"audience-too-deep":      http.StatusBadRequest,
	"audience-too-long":      http.StatusBadRequest,
	"too-many":               http.StatusBadRequest, // more overlaps or profile dimensions than allowed
	"bad-format":             http.StatusBadRequest, // an export format other than csv or parquet
	"tag-not-built":          http.StatusConflict,   // refresh the tags first
	"tags-not-built":         http.StatusConflict,

	// The server's side: the message says what to do, never how it failed
	// inside; the log holds that, under the request id.
	"source-unavailable": http.StatusServiceUnavailable,  // a source file the query reads is missing or unreadable
	"timeout":            http.StatusGatewayTimeout,      // the query ran past its deadline
	"build-failed":       http.StatusInternalServerError, // a rollup build failed; the previous version serves
	"build-running":      http.StatusConflict,            // another process holds the rollup's build lease; the refresh stopped waiting
	"engine-error":       http.StatusInternalServerError,
	"internal":           http.StatusInternalServerError,
}

// queryCodeStatus is the status of a code the table does not list: codes of
// the query and statement front ends (plan, sqlfront, audiences) not named
// above are all the caller's mistakes.
const queryCodeStatus = http.StatusBadRequest

// statusOf is a code's status.
func statusOf(code string) int {
	if st, ok := codes[code]; ok {
		return st
	}
	return queryCodeStatus
}

// badData is an error of the caller's request or query, status by its code.
func badData(code, msg string) *Error {
	return &Error{Status: statusOf(code), Code: code, Message: msg}
}

// newError builds an API error; its status comes from the table.
func newError(code, format string, args ...any) *Error {
	st, ok := codes[code]
	if !ok {
		st = http.StatusInternalServerError
	}
	return &Error{Status: st, Code: code, Message: sprintf(format, args...)}
}
