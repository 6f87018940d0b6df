package api

import (
	"errors"
	"fmt"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// Error is an API error: a stable code (codes.go), a message and, for query
// errors, the position of the problem in the request. A 5xx also carries the
// request id, under which the server logged what went wrong.
type Error struct {
	Status    int            `json:"-"`
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Position  map[string]any `json:"position,omitempty"`
	RequestID string         `json:"request_id,omitempty"`

	// cause is what the log records for a 5xx; never sent.
	cause error
}

func (e *Error) Error() string { return e.Message }

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// toError maps the layers' typed errors onto API errors, in this one place. A
// query the caller got wrong is a 400 with its position; a canceled or timed
// out query a 504; a broken source a 503 naming the table; anything else a
// 500 whose message says nothing of the inside (engine text, SQL and file
// paths go to the log, keyed by the request id).
func toError(err error) *Error {
	var ae *Error
	var qe *plan.Error
	var se *service.SourceError
	var ue *materializer.UnknownRollupError
	var ie *service.IngestError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ie):
		e := badData(ie.Code, ie.Msg)
		if ie.Line > 0 || ie.Column != "" {
			e.Position = map[string]any{}
			if ie.Line > 0 {
				e.Position["row"] = ie.Line
			}
			if ie.Column != "" {
				e.Position["column"] = ie.Column
			}
		}
		return e
	case errors.As(err, &qe):
		e := badData(qe.Code, qe.Msg)
		e.Position = map[string]any{"field": qe.Field}
		if qe.Field == "where" || qe.Field == "having" {
			e.Position["offset"] = qe.Offset
		}
		return e
	case errors.As(err, &ue):
		return newError("unknown-rollup", "%s", ue.Error())
	case errors.As(err, &se):
		e := newError("source-unavailable", "table %s cannot be read: its source %s is %s; queries of other tables still answer", se.Table, se.Source, se.Problem)
		e.cause = err
		return e
	case errors.Is(err, service.ErrCanceled):
		return newError("timeout", "the query ran out of time; narrow it, or use a rollup")
	}
	var ee *service.EngineError
	if errors.As(err, &ee) {
		e := newError("engine-error", "the engine failed to answer this query; the server log has the details under this request id")
		e.cause = err
		return e
	}
	e := newError("internal", "the server failed to answer; the server log has the details under this request id")
	e.cause = err
	return e
}
