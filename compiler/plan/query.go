package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Query is a metric query, as sent to the DataAPI and built by the CLI.
type Query struct {
	Metrics    []string `json:"metrics,omitempty"`
	Dimensions []string `json:"dimensions,omitempty"`
	// From names the fact whose wide table a query without metrics lists
	// its dimensions' values from (SQL's FROM). Needed only when more than
	// one fact reaches the dimensions and filters; a query with metrics
	// reads each metric's own fact and takes no From.
	From   string   `json:"from,omitempty"`
	Where  string   `json:"where,omitempty"`
	Having string   `json:"having,omitempty"`
	Order  []string `json:"order,omitempty"`
	Limit  int      `json:"limit,omitempty"`
	Offset int      `json:"offset,omitempty"`
	// Freshness is how stale a rollup may be for this query ("1h"); empty: the
	// project's default.
	Freshness string `json:"freshness,omitempty"`
	// NoRollup forbids the rewrite onto rollups.
	NoRollup bool `json:"no_rollup,omitempty"`
	// Audience restricts the metrics to the facts of an audience's members
	// ("high_value AND NOT segment = 'staff'"); Audiences groups them by
	// named audiences, adding a dimension `audience`. The service evaluates
	// them and hands the plan the semi-joins in Semi. With Audiences the
	// query, Order, Limit and Offset included, runs once per audience: the
	// limit is per audience and rows come grouped by audience name.
	Audience  string            `json:"audience,omitempty"`
	Audiences map[string]string `json:"audiences,omitempty"`
	Semi      []SemiJoin        `json:"-"`
	// Scope is the calling key's limit, set by the server (never from JSON).
	Scope *Scope `json:"-"`
}

// SemiJoin keeps the rows whose Field (a qualified field, the audience
// entity's key) is among the ids held in Table, a one-column table (id) the
// service wrote for this query. Dict, when set, is the entity's key
// dictionary (a text key): the ids are mapped to keys through it.
type SemiJoin struct {
	Field string
	Table string
	Dict  string
}

// MaxLimit caps limit and offset.
const MaxLimit = 1_000_000

// DecodeQuery reads a query from JSON, strictly: keys are matched exactly,
// unknown and repeated keys are rejected, nothing may follow the object.
func DecodeQuery(data []byte) (*Query, error) {
	if err := checkKeys(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var q Query
	if err := dec.Decode(&q); err != nil {
		field := "query"
		var te *json.UnmarshalTypeError
		if asErr(err, &te) && te.Field != "" {
			field = te.Field // the key whose value has the wrong type
		}
		return nil, &Error{Field: field, Code: "bad-json", Msg: jsonMessage(err)}
	}
	if dec.More() {
		return nil, &Error{Field: "query", Code: "bad-json", Msg: "unexpected data after the query object"}
	}
	return &q, nil
}

func jsonMessage(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asErr(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case asErr(err, &te):
		return fmt.Sprintf("field %q must be %s, not a JSON %s", te.Field, jsonType(te.Type.String()), te.Value)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field ") {
		f := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return fmt.Sprintf("unknown field %q%s", f, didYouMean(f, queryKeys))
	}
	if msg == "EOF" {
		return "the query is empty; send a JSON object such as {\"metrics\": [\"txn_amount\"]}"
	}
	return "malformed JSON: " + strings.TrimPrefix(msg, "json: ")
}

func jsonType(goType string) string {
	switch goType {
	case "[]string":
		return "a list of strings"
	case "string":
		return "a string"
	case "int":
		return "an integer"
	case "bool":
		return "true or false"
	}
	return goType
}

// Error is a problem with a query, located in one of its fields: "metrics[1]",
// "dimensions[0]", "where" (with Offset into the expression), "order[0]"…
type Error struct {
	Field  string `json:"field"`
	Offset int    `json:"offset,omitempty"` // byte offset inside an expression field
	Code   string `json:"code"`
	Msg    string `json:"message"`
}

func (e *Error) Error() string {
	if e.Field == "where" || e.Field == "having" {
		return fmt.Sprintf("%s offset %d: %s", e.Field, e.Offset, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

// Caret renders the expression the error points into with a caret under the
// offending character; "" when the error is not inside an expression.
func (e *Error) Caret(q *Query) string {
	var text string
	switch e.Field {
	case "where":
		text = q.Where
	case "having":
		text = q.Having
	default:
		return ""
	}
	if strings.Contains(text, "\n") {
		return ""
	}
	return "  " + text + "\n  " + strings.Repeat(" ", min(e.Offset, len(text))) + "^\n"
}
