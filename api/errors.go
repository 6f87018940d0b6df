package api

import (
	"errors"
	"net/http"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

// Error is an API error: a stable code, a message and, for query errors, the
// position of the problem in the request.
type Error struct {
	Status   int            `json:"-"`
	Code     string         `json:"code"`
	Message  string         `json:"message"`
	Position map[string]any `json:"position,omitempty"`
	// RequestID is set on server errors: the id to quote when reporting it.
	RequestID string `json:"request_id,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func badData(code, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: msg}
}

// toError maps the layers' errors onto API errors: a query the caller got wrong
// is a 400 with its position; a canceled or timed out query a 504; an engine
// failure a 500 whose message is the engine's first line, without the SQL.
func toError(err error) *Error {
	var ae *Error
	var qe *plan.Error
	var ee *service.EngineError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &qe):
		e := badData(qe.Code, qe.Msg)
		if qe.Code == "forbidden-metric" || qe.Code == "scope-unreachable" {
			e.Status = http.StatusForbidden
		}
		e.Position = map[string]any{"field": qe.Field}
		if qe.Field == "where" || qe.Field == "having" {
			e.Position["offset"] = qe.Offset
		}
		return e
	case errors.Is(err, service.ErrCanceled):
		return &Error{Status: http.StatusGatewayTimeout, Code: "timeout", Message: "the query ran out of time; narrow it, or use a rollup"}
	case errors.As(err, &ee):
		return &Error{Status: http.StatusInternalServerError, Code: "engine", Message: ee.Error()}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: err.Error()}
}
