// Package api is the DataAPI: HTTP endpoints (gin) over a project opened by
// the query service (service/). Handlers return values — a result or an
// *Error — and one wrapper renders JSON, CSV or an Arrow IPC stream (the
// service's renderers) and maps errors to statuses (bad_data 400,
// unauthorized 401, not_found 404, too_large 413, too_many 429, internal 500,
// timeout 504). Query logic lives in the compiler and the service, never here.
package api
