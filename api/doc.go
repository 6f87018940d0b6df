// Package api is the DataAPI: HTTP endpoints (gin) over a project opened by
// the query service (service/). Handlers return values — a result or an
// *Error — and one wrapper renders JSON, CSV or an Arrow IPC stream (the
// service's renderers) and maps typed errors to codes and statuses in one
// place (toError; every code with its status is in codes.go). Middleware
// (middleware.go) gives each request its id, logs, counts every status, turns
// panics into 500s and answers 405 with Allow. Query logic lives in the
// compiler and the service, never here.
package api
