package service

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/strata-metrics/strata/engine"
)

// The DataAPI answers every query with a result in JSON, and for the small
// results a dashboard asks for, encoding/json's reflection over [][]any was
// the largest part of what the API added to a query. AppendJSON writes the
// same bytes directly (TestAppendJSONMatchesEncoding checks them against
// encoding/json over generated results); it must follow every change to
// Column, Meta or JSONRows.

// jsonBufs are reused response buffers; a buffer over 1 MiB is dropped
// rather than kept.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeJSONCompact writes the result as WriteJSON(w, false) does, from one
// reused buffer and with one Write.
func (r *Result) writeJSONCompact(w io.Writer) error {
	bp := jsonBufs.Get().(*[]byte)
	b, err := r.AppendJSON((*bp)[:0])
	if err == nil {
		_, err = w.Write(b)
	}
	if cap(b) <= 1<<20 {
		*bp = b[:0]
		jsonBufs.Put(bp)
	}
	return err
}

// AppendJSON appends the result in the DataAPI's JSON shape, byte for byte
// what encoding/json's Encoder writes for WriteJSON(w, false), newline
// included. On an error (a value encoding/json cannot encode) it returns
// dst unchanged.
func (r *Result) AppendJSON(dst []byte) ([]byte, error) {
	b := append(dst, `{"columns":`...)
	if r.Columns == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range r.Columns {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendJSONString(b, c.Name)
			b = append(b, `,"type":`...)
			b = appendJSONString(b, c.Type)
			if c.Label != "" {
				b = append(b, `,"label":`...)
				b = appendJSONString(b, c.Label)
			}
			if c.Format != "" {
				b = append(b, `,"format":`...)
				b = appendJSONString(b, c.Format)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"rows":[`...)
	for i, row := range r.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range row {
			if j > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = r.appendJSONCell(b, v, j); err != nil {
				return dst, err
			}
		}
		b = append(b, ']')
	}
	m := &r.Meta
	b = append(b, `],"meta":{"served_by":`...)
	b = appendJSONString(b, m.ServedBy)
	b = append(b, `,"sql":`...)
	b = appendJSONString(b, m.SQL)
	b = append(b, `,"took_ms":`...)
	if math.IsNaN(m.TookMS) || math.IsInf(m.TookMS, 0) {
		_, err := json.Marshal(m.TookMS)
		return dst, err
	}
	b = appendJSONFloat(b, m.TookMS)
	if m.Freshness != "" {
		b = append(b, `,"freshness":`...)
		b = appendJSONString(b, m.Freshness)
	}
	b = append(b, `,"cached":`...)
	b = strconv.AppendBool(b, m.Cached)
	if m.RequestID != "" {
		b = append(b, `,"request_id":`...)
		b = appendJSONString(b, m.RequestID)
	}
	if len(m.Tags) > 0 { // rare (audience answers): encoding/json writes them
		enc, err := json.Marshal(m.Tags)
		if err != nil {
			return dst, err
		}
		b = append(append(b, `,"tags":`...), enc...)
	}
	return append(b, "}}\n"...), nil
}

// appendJSONCell writes one value as JSONRows converts it; a type it does
// not know goes through encoding/json.
func (r *Result) appendJSONCell(b []byte, v any, col int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...), nil
		}
		return appendJSONFloat(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case time.Time: // as Cell writes it; the digits need no escaping
		layout := "2006-01-02 15:04:05"
		if col < len(r.Columns) && r.Columns[col].Type == "date" {
			layout = "2006-01-02"
		}
		b = x.AppendFormat(append(b, '"'), layout)
		return append(b, '"'), nil
	case []byte:
		return appendJSONString(b, string(x)), nil
	case engine.Decimal:
		if out := appendDecimal(b, x); plainNumber(out[len(b):]) {
			return out, nil // a json.Number: written as it is
		}
		v = json.Number(x.String())
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

// plainNumber reports whether s is -?digits(.digits)?, a JSON number that
// encoding/json writes unchanged.
func plainNumber(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	whole, frac, dot := bytes.Cut(s, []byte("."))
	return allDigits(whole) && (!dot || allDigits(frac)) && (len(whole) == 1 || whole[0] != '0')
}

// appendDecimal appends d.String(), without allocating when the unscaled
// value fits an int64.
func appendDecimal(b []byte, d engine.Decimal) []byte {
	if d.Unscaled == nil || !d.Unscaled.IsInt64() || d.Scale > 18 || d.Scale < -18 {
		return append(b, d.String()...)
	}
	v := d.Unscaled.Int64()
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u
	}
	var raw, buf [40]byte
	r := strconv.AppendUint(raw[:0], u, 10)
	digits := buf[:0]
	for n := d.Scale - len(r) + 1; n > 0; n-- {
		digits = append(digits, '0') // at least one digit before the point
	}
	digits = append(digits, r...)
	if d.Scale <= 0 {
		b = append(b, digits...)
		for n := -d.Scale; n > 0; n-- {
			b = append(b, '0')
		}
		return b
	}
	i := len(digits) - d.Scale
	b = append(b, digits[:i]...)
	b = append(b, '.')
	return append(b, digits[i:]...)
}

func allDigits(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// appendJSONFloat is encoding/json's float64: the shortest digits, in
// exponent form below 1e-6 and from 1e21, exponents unpadded.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const jsonHex = "0123456789abcdef"

// appendJSONString is encoding/json's string with HTML escaping (the
// Encoder's default): <, > and & as \u00XX, control characters escaped,
// invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
