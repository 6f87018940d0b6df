package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/model"
)

// Appending rows to a fact (DESIGN §10): POST /v1/ingest/{table}.
//
// The rows are read whole and checked against the table's columns before
// anything is written: a key that is no column, a value of the wrong type,
// a decimal with more digits than its column keeps, a date that does not
// exist. Any bad row rejects the append, naming its line (or Arrow row) and
// column. Then every row is appended at once (materializer.Ingest): raw
// queries see them immediately, rollup-served queries through the lambda
// tail, and the next refresh folds them into the rollups' partitions.

// Ingest formats.
const (
	IngestJSONLines = "jsonl" // one JSON object per line
	IngestArrow     = "arrow" // an Arrow IPC stream
)

// MaxIngestRows caps the rows of one append.
const MaxIngestRows = 1_000_000

// IngestResult is what an append did.
type IngestResult struct {
	Table  string  `json:"table"`
	Rows   int     `json:"rows"`
	TookMS float64 `json:"took_ms"`
}

// IngestError is an append refused for its input: Line is the 1-based line
// (JSON lines) or row (Arrow) and Column the column, where they apply.
type IngestError struct {
	Code   string
	Msg    string
	Line   int
	Column string
}

func (e *IngestError) Error() string {
	switch {
	case e.Line > 0 && e.Column != "":
		return fmt.Sprintf("row %d, %s: %s", e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("row %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// BodyError is a body that could not be read: over the server's limit, or
// its client gone.
type BodyError struct{ Err error }

func (e *BodyError) Error() string { return "reading the rows: " + e.Err.Error() }
func (e *BodyError) Unwrap() error { return e.Err }

// Ingest appends the rows of body (format IngestJSONLines or IngestArrow)
// to a fact table.
func (s *Project) Ingest(ctx context.Context, table, format string, body io.Reader) (*IngestResult, error) {
	start := time.Now()
	t, err := s.ingestTable(table)
	if err != nil {
		return nil, err
	}
	// The body is read whole first: a read that fails (a body over the
	// server's limit, a client gone) is that, not a malformed row.
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, &BodyError{Err: err}
	}
	var raw []map[string]any
	switch format {
	case IngestJSONLines:
		raw, err = readJSONLines(data)
	case IngestArrow:
		raw, err = readArrowRows(bytes.NewReader(data))
	default:
		return nil, &IngestError{Code: "bad-format", Msg: fmt.Sprintf("rows come as JSON lines or an Arrow IPC stream, not %s", format)}
	}
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, &IngestError{Code: "no-rows", Msg: "the body holds no rows: send one JSON object per line, or an Arrow stream"}
	}
	tg, err := s.m.IngestTargetOf(ctx, t)
	if err != nil {
		return nil, &IngestError{Code: "not-appendable", Msg: err.Error()}
	}
	layout := newRowLayout(t, tg.Columns, s.ingestZone(t))
	rows := make([][]any, len(raw))
	for i, r := range raw {
		if rows[i], err = layout.row(r, i+1); err != nil {
			return nil, err
		}
	}
	if err := s.m.Ingest(ctx, t, tg, rows); err != nil {
		if ctx.Err() != nil {
			return nil, engine.ErrCanceled
		}
		return nil, err
	}
	return &IngestResult{Table: t.Name, Rows: len(rows), TookMS: float64(time.Since(start).Microseconds()) / 1000}, nil
}

// ingestTable finds the fact rows are appended to.
func (s *Project) ingestTable(name string) (*model.Table, error) {
	var facts []string
	for _, t := range s.Project.Tables {
		if t.Kind == model.KindFact {
			facts = append(facts, t.Name)
		}
	}
	t := s.Project.Table(name)
	switch {
	case t == nil:
		return nil, &IngestError{Code: "unknown-table", Msg: fmt.Sprintf("unknown table %q%s; rows are appended to a fact: %s", name, model.DidYouMean(name, facts), strings.Join(facts, ", "))}
	case t.Kind != model.KindFact:
		return nil, &IngestError{Code: "not-a-fact", Msg: fmt.Sprintf("%s is a dimension table; rows are appended to a fact: %s", name, strings.Join(facts, ", "))}
	}
	return t, nil
}

// ingestZone is the zone a naive timestamp column's wall times are in: the
// table's, else UTC (DESIGN §4).
func (s *Project) ingestZone(t *model.Table) *time.Location {
	if t.Timezone != "" {
		if loc, err := time.LoadLocation(t.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// readJSONLines reads one JSON object per line; blank lines are skipped. A
// body that is one JSON array of objects is read too, and so are objects
// written over several lines (pretty-printed), one after the other.
func readJSONLines(data []byte) ([]map[string]any, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		return readJSONArray(t)
	}
	if !oneObjectPerLine(data) {
		return readJSONObjects(data)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var out []map[string]any
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if len(out) >= MaxIngestRows {
			return nil, &IngestError{Code: "too-many", Msg: fmt.Sprintf("one append takes at most %d rows; send the rest in another", MaxIngestRows)}
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var row map[string]any
		if b[0] != '{' {
			return nil, &IngestError{Code: "bad-json", Msg: "not a JSON object; send one JSON object per line", Line: line}
		}
		if err := dec.Decode(&row); err != nil || row == nil {
			msg := "not a JSON object"
			if err != nil {
				msg = "malformed JSON: " + err.Error()
			}
			return nil, &IngestError{Code: "bad-json", Msg: msg + "; send one JSON object per line", Line: line}
		}
		if dec.More() {
			return nil, &IngestError{Code: "bad-json", Msg: "more than one JSON value on the line; send one object per line", Line: line}
		}
		if topLevelKeys(b) != len(row) {
			if k, dup := duplicateKey(b); dup {
				return nil, &IngestError{Code: "duplicate-key", Msg: fmt.Sprintf("key %q appears twice", k), Line: line}
			}
		}
		out = append(out, row)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &IngestError{Code: "bad-json", Msg: "a line is longer than 16 MiB", Line: len(out) + 1}
		}
		return nil, &IngestError{Code: "bad-json", Msg: "reading the rows: " + err.Error()}
	}
	return out, nil
}

// oneObjectPerLine reports whether every line that is not blank opens an
// object and closes it: JSON lines. Anything else is read as a stream of
// values (readJSONObjects).
func oneObjectPerLine(data []byte) bool {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) > 0 && (line[0] != '{' || line[len(line)-1] != '}') {
			return false
		}
	}
	return true
}

// readJSONObjects reads JSON objects one after the other, however they are
// laid out over lines; a row's number is its place among them.
func readJSONObjects(data []byte) ([]map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []map[string]any
	for n := 1; ; n++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, &IngestError{Code: "bad-json", Msg: "malformed JSON: " + err.Error(), Line: n}
		}
		if len(out) >= MaxIngestRows {
			return nil, &IngestError{Code: "too-many", Msg: fmt.Sprintf("one append takes at most %d rows; send the rest in another", MaxIngestRows)}
		}
		row, ierr := objectRow(raw, n)
		if ierr != nil {
			return nil, ierr
		}
		out = append(out, row)
	}
}

// objectRow decodes one row object, refusing anything else and keys written
// twice.
func objectRow(raw []byte, n int) (map[string]any, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || b[0] != '{' {
		return nil, &IngestError{Code: "bad-json", Msg: "not a JSON object; each row is one object", Line: n}
	}
	row := map[string]any{}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&row); err != nil {
		return nil, &IngestError{Code: "bad-json", Msg: "malformed JSON: " + err.Error(), Line: n}
	}
	if topLevelKeys(b) != len(row) {
		if k, dup := duplicateKey(b); dup {
			return nil, &IngestError{Code: "duplicate-key", Msg: fmt.Sprintf("key %q appears twice", k), Line: n}
		}
	}
	return row, nil
}

// readJSONArray reads a JSON array of row objects; a row's number is its
// place in the array.
func readJSONArray(data []byte) ([]map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, &IngestError{Code: "bad-json", Msg: "malformed JSON: " + err.Error()}
	}
	var out []map[string]any
	for n := 1; dec.More(); n++ {
		if len(out) >= MaxIngestRows {
			return nil, &IngestError{Code: "too-many", Msg: fmt.Sprintf("one append takes at most %d rows; send the rest in another", MaxIngestRows)}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, &IngestError{Code: "bad-json", Msg: "malformed JSON: " + err.Error(), Line: n}
		}
		row, err := objectRow(raw, n)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	if _, err := dec.Token(); err != nil {
		return nil, &IngestError{Code: "bad-json", Msg: "malformed JSON: the array does not end: " + err.Error()}
	}
	if dec.More() {
		return nil, &IngestError{Code: "bad-json", Msg: "unexpected data after the array of rows"}
	}
	return out, nil
}

// topLevelKeys counts the keys of a JSON object as written, duplicates
// included: the colons outside strings at depth one. It is a cheap guard
// before duplicateKey, which names the duplicate.
func topLevelKeys(b []byte) int {
	n, depth, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ':' && depth == 1:
			n++
		}
	}
	return n
}

// duplicateKey finds a key written twice in a flat JSON object, which
// decoding would silently resolve to the last value.
func duplicateKey(b []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		k, _ := tok.(string)
		if seen[k] {
			return k, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// readArrowRows reads an Arrow IPC stream's rows as JSON-like values:
// numbers as json.Number, decimals and times as text, NULL as nil.
func readArrowRows(body io.Reader) ([]map[string]any, error) {
	rd, err := ipc.NewReader(body)
	if err != nil {
		return nil, &IngestError{Code: "bad-arrow", Msg: "not an Arrow IPC stream: " + err.Error()}
	}
	defer rd.Release()
	var out []map[string]any
	for rd.Next() {
		rec := rd.Record()
		sch := rec.Schema()
		for i := 0; i < int(rec.NumRows()); i++ {
			if len(out) >= MaxIngestRows {
				return nil, &IngestError{Code: "too-many", Msg: fmt.Sprintf("one append takes at most %d rows; send the rest in another", MaxIngestRows)}
			}
			row := make(map[string]any, rec.NumCols())
			for c := 0; c < int(rec.NumCols()); c++ {
				name := sch.Field(c).Name
				if _, dup := row[name]; dup {
					return nil, &IngestError{Code: "duplicate-key", Msg: fmt.Sprintf("column %q appears twice in the stream", name)}
				}
				v, err := arrowValue(rec.Column(c), i)
				if err != nil {
					return nil, &IngestError{Code: "type-mismatch", Msg: err.Error(), Line: len(out) + 1, Column: name}
				}
				row[name] = v
			}
			out = append(out, row)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, &IngestError{Code: "bad-arrow", Msg: "reading the Arrow stream: " + err.Error()}
	}
	return out, nil
}

// arrowValue reads one cell in the form readJSONLines gives.
func arrowValue(col arrow.Array, i int) (any, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	switch a := col.(type) {
	case *array.Int8:
		return json.Number(strconv.FormatInt(int64(a.Value(i)), 10)), nil
	case *array.Int16:
		return json.Number(strconv.FormatInt(int64(a.Value(i)), 10)), nil
	case *array.Int32:
		return json.Number(strconv.FormatInt(int64(a.Value(i)), 10)), nil
	case *array.Int64:
		return json.Number(strconv.FormatInt(a.Value(i), 10)), nil
	case *array.Uint8:
		return json.Number(strconv.FormatUint(uint64(a.Value(i)), 10)), nil
	case *array.Uint16:
		return json.Number(strconv.FormatUint(uint64(a.Value(i)), 10)), nil
	case *array.Uint32:
		return json.Number(strconv.FormatUint(uint64(a.Value(i)), 10)), nil
	case *array.Uint64:
		return json.Number(strconv.FormatUint(a.Value(i), 10)), nil
	case *array.Float32:
		return json.Number(strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)), nil
	case *array.Float64:
		return json.Number(strconv.FormatFloat(a.Value(i), 'g', -1, 64)), nil
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return a.Value(i).ToString(dt.Scale), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly), nil
	case *array.Date64:
		return a.Value(i).ToTime().UTC().Format(time.DateOnly), nil
	case *array.Dictionary:
		// Dictionary-encoded columns (pandas categoricals): the value the
		// index points at.
		return arrowValue(a.Dictionary(), a.GetValueIndex(i))
	case *array.Timestamp:
		dt := a.DataType().(*arrow.TimestampType)
		ts := a.Value(i).ToTime(dt.Unit)
		if dt.TimeZone != "" {
			return ts.Format(time.RFC3339Nano), nil // an instant
		}
		return ts.Format("2006-01-02 15:04:05.999999999"), nil // wall time
	}
	return nil, fmt.Errorf("Arrow type %s is not one rows are appended with (integers, floats, decimal128, strings, booleans, dates, timestamps, dictionaries of those)", col.DataType())
}

// rowLayout is how the rows of one append are checked and laid out, made
// once per append: the table, the target column each model column lands in
// (the engine matches names regardless of case, and so does the layout), and
// the zone of its naive timestamps.
type rowLayout struct {
	t     *model.Table
	names []string       // the table's columns, for suggestions
	at    map[string]int // lower-cased column name → target column
	width int
	wall  *time.Location
}

func newRowLayout(t *model.Table, target []engine.Column, wall *time.Location) *rowLayout {
	l := &rowLayout{t: t, at: make(map[string]int, len(target)), width: len(target), wall: wall}
	for _, c := range t.Columns {
		l.names = append(l.names, c.Name)
	}
	for i, c := range target {
		l.at[strings.ToLower(c.Name)] = i
	}
	return l
}

// row checks one row against the table's columns and lays it out in the
// target's column order, as the engine takes each type; a value whose
// column the source lacks is refused.
func (l *rowLayout) row(r map[string]any, line int) ([]any, error) {
	out := make([]any, l.width)
	for k, v := range r {
		c := l.t.Column(k)
		if c == nil {
			return nil, &IngestError{Code: "unknown-column", Msg: fmt.Sprintf("%s has no column %q%s", l.t.Name, k, model.DidYouMean(k, l.names)), Line: line, Column: k}
		}
		x, err := ingestValue(c.Type, v, l.wall)
		if err != nil {
			return nil, &IngestError{Code: "type-mismatch", Msg: err.Error(), Line: line, Column: k}
		}
		i, ok := l.at[strings.ToLower(k)]
		if !ok {
			return nil, &IngestError{Code: "unknown-column", Msg: fmt.Sprintf("the source of %s has no column %q, which the model declares", l.t.Name, k), Line: line, Column: k}
		}
		out[i] = x
	}
	return out, nil
}

// intRange bounds the integer types.
var intRange = map[string][2]int64{
	"tinyint": {math.MinInt8, math.MaxInt8}, "smallint": {math.MinInt16, math.MaxInt16},
	"integer": {math.MinInt32, math.MaxInt32}, "bigint": {math.MinInt64, math.MaxInt64},
}

// ingestValue converts a JSON value to what the engine takes for a column
// of type typ.
func ingestValue(typ model.Type, v any, wall *time.Location) (any, error) {
	if v == nil {
		return nil, nil
	}
	want := func(what string) error {
		return fmt.Errorf("%s column takes %s, not %s", aType(typ), what, describeJSON(v))
	}
	switch typ.Base {
	case "tinyint", "smallint", "integer", "bigint":
		n, ok := v.(json.Number)
		if !ok {
			return nil, want("a whole number")
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			if strings.ContainsAny(n.String(), ".eE") {
				return nil, want("a whole number")
			}
			return nil, fmt.Errorf("%s is out of range for %s column", n, aType(typ))
		}
		if r := intRange[typ.Base]; i < r[0] || i > r[1] {
			return nil, fmt.Errorf("%s is out of range for %s column (%d to %d)", n, aType(typ), r[0], r[1])
		}
		return i, nil
	case "float", "double":
		n, ok := v.(json.Number)
		if !ok {
			return nil, want("a number")
		}
		f, err := strconv.ParseFloat(n.String(), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s is out of range for %s column", n, aType(typ))
		}
		return f, nil
	case "decimal":
		var text string
		switch x := v.(type) {
		case json.Number:
			text = x.String()
		case string:
			text = x
		default:
			return nil, want("a number (or its digits as a string)")
		}
		d, err := engine.ParseDecimal(text)
		if err != nil {
			return nil, want("a decimal number")
		}
		if d.Scale > typ.Scale {
			return nil, fmt.Errorf("%s has %d digits after the point, and %s column keeps %d; round it first", text, d.Scale, aType(typ), typ.Scale)
		}
		whole := len(strings.TrimLeft(wholeDigits(d), "0"))
		if whole > typ.Precision-typ.Scale {
			return nil, fmt.Errorf("%s has %d digits before the point, and %s column keeps %d", text, whole, aType(typ), typ.Precision-typ.Scale)
		}
		return d.String(), nil
	case "varchar":
		s, ok := v.(string)
		if !ok {
			return nil, want("a string")
		}
		return s, nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, want("true or false")
		}
		return b, nil
	case "date":
		s, ok := v.(string)
		if !ok {
			return nil, want("a date such as 2025-01-31")
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid date: expected a date such as 2025-01-31", s)
		}
		return d.Format(time.DateOnly), nil
	case "timestamp", "timestamptz":
		s, ok := v.(string)
		if !ok {
			return nil, want("a timestamp such as 2025-01-31 13:45:00")
		}
		ts, instant, err := parseIngestTime(s)
		if err != nil {
			return nil, err
		}
		if typ.Base == "timestamptz" {
			if !instant {
				ts = time.Date(ts.Year(), ts.Month(), ts.Day(), ts.Hour(), ts.Minute(), ts.Second(), ts.Nanosecond(), wall)
			}
			return ts.UTC().Format("2006-01-02 15:04:05.999999") + "+00", nil
		}
		if instant {
			ts = ts.In(wall) // the column holds wall time in its table's zone
		}
		return ts.Format("2006-01-02 15:04:05.999999"), nil
	}
	return nil, fmt.Errorf("%s column cannot be appended to", aType(typ))
}

// aType is a type with its article: "an integer", "a decimal(18,2)".
func aType(t model.Type) string {
	if s := t.String(); strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + t.String()
}

// parseIngestTime reads a timestamp: wall time (2025-01-31 13:45:00, a T
// for the space, fractions of a second) or, with an offset or Z, an instant.
func parseIngestTime(s string) (time.Time, bool, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00"} {
		if ts, err := time.Parse(layout, s); err == nil {
			return ts, true, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", time.DateOnly} {
		if ts, err := time.Parse(layout, s); err == nil {
			return ts, false, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("%q is not a valid timestamp: expected one such as 2025-01-31 13:45:00, or 2025-01-31T13:45:00Z with an offset", s)
}

// describeJSON names a JSON value's kind for messages.
func describeJSON(v any) string {
	switch x := v.(type) {
	case json.Number:
		return "the number " + x.String()
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("%t", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%v", v)
}

// wholeDigits are a decimal's digits before the point, without its sign.
func wholeDigits(d engine.Decimal) string {
	if d.Unscaled == nil {
		return ""
	}
	digits := strings.TrimPrefix(d.Unscaled.String(), "-")
	if len(digits) <= d.Scale {
		return ""
	}
	return digits[:len(digits)-d.Scale]
}
