package service

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-metrics/strata/engine"
)

// Cell renders one value as text: dates as 2006-01-02, timestamps as
// 2006-01-02 15:04:05, NULL as the given null text.
func Cell(v any, typ string, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case time.Time:
		if typ == "date" {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05")
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return null
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case engine.Decimal:
		return x.String() // exact digits, never via float64
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// JSONRows converts values for JSON: times become strings, non-finite floats null.
func (r *Result) JSONRows() [][]any {
	out := make([][]any, len(r.Rows))
	for i, row := range r.Rows {
		o := make([]any, len(row))
		for j, v := range row {
			switch x := v.(type) {
			case time.Time:
				o[j] = Cell(x, r.Columns[j].Type, "")
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					o[j] = nil
				} else {
					o[j] = x
				}
			case []byte:
				o[j] = string(x)
			case engine.Decimal:
				o[j] = json.Number(x.String()) // a JSON number with the exact digits
			default:
				o[j] = v
			}
		}
		out[i] = o
	}
	return out
}

// WriteJSON writes the result in the DataAPI's JSON shape.
func (r *Result) WriteJSON(w io.Writer, indent bool) error {
	if !indent {
		return r.writeJSONCompact(w)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Columns []Column `json:"columns"`
		Rows    [][]any  `json:"rows"`
		Meta    Meta     `json:"meta"`
	}{r.Columns, r.JSONRows(), r.Meta})
}

// WriteCSV writes a header line and the rows; NULL is the empty field.
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Name
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range r.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = Cell(v, r.Columns[i].Type, "")
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes an aligned text table for terminals, numbers right-aligned;
// floating-point values are rounded to two decimals for reading, decimals are
// printed exactly (CSV and JSON keep full precision).
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := make([]string, len(r.Columns))
	rule := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Name
		rule[i] = strings.Repeat("-", len(c.Name))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	fmt.Fprintln(tw, strings.Join(rule, "\t")+"\t")
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			if f, ok := v.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) && f != math.Trunc(f) {
				cells[i] = strconv.FormatFloat(f, 'f', 2, 64)
			} else {
				cells[i] = Cell(v, r.Columns[i].Type, "NULL")
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}
