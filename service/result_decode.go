package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/strata-metrics/strata/engine"
)

// DecodeResult reads a result in the DataAPI's JSON shape (WriteJSON) back
// into a Result whose WriteJSON, WriteCSV and WriteTable write what the
// original's did: the CLI asking a running server renders its answer with
// the same code as a local one.
//
// Cells come back by the JSON value and the column's type: numbers of a
// float column (or written with an exponent, which only floats are) as
// float64, other numbers with a fraction as exact decimals (the digits as sent), whole numbers as int64; dates and
// timestamps stay the text they were sent as, which is how they render.
func DecodeResult(data []byte) (*Result, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw struct {
		Columns []Column `json:"columns"`
		Rows    [][]any  `json:"rows"`
		Meta    Meta     `json:"meta"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("reading the result: %w", err)
	}
	res := &Result{Columns: raw.Columns, Rows: raw.Rows, Meta: raw.Meta}
	for i, row := range res.Rows {
		if len(row) != len(res.Columns) {
			return nil, fmt.Errorf("reading the result: row %d has %d values for %d columns", i, len(row), len(res.Columns))
		}
		for j, v := range row {
			n, ok := v.(json.Number)
			if !ok {
				continue
			}
			x, err := numberCell(n, res.Columns[j].Type)
			if err != nil {
				return nil, fmt.Errorf("reading the result: row %d, column %s: %w", i, res.Columns[j].Name, err)
			}
			row[j] = x
		}
	}
	return res, nil
}

func numberCell(n json.Number, typ string) (any, error) {
	s := n.String()
	if typ == "double" || typ == "float" || strings.ContainsAny(s, "eE") {
		return strconv.ParseFloat(s, 64)
	}
	if !strings.Contains(s, ".") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	return engine.ParseDecimal(s)
}
