package service_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/service"
)

// encodingJSON is the DataAPI's JSON as encoding/json writes it: the
// reference AppendJSON must match byte for byte.
func encodingJSON(r *service.Result) ([]byte, error) {
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(struct {
		Columns []service.Column `json:"columns"`
		Rows    [][]any          `json:"rows"`
		Meta    service.Meta     `json:"meta"`
	}{r.Columns, r.JSONRows(), r.Meta})
	return buf.Bytes(), err
}

// TestAppendJSONMatchesEncoding compares the direct encoder with
// encoding/json over generated results: every value type a result carries
// (and one it does not, which goes through encoding/json), strings with
// quotes, HTML, control characters, invalid UTF-8 and U+2028, floats across
// the exponent cutoffs, NaN and infinities, exact decimals, dates and
// timestamps, empty and nil parts.
func TestAppendJSONMatchesEncoding(t *testing.T) {
	// The encoder writes each field by name: a new field must be added there.
	if n := reflect.TypeOf(service.Meta{}).NumField(); n != 10 {
		t.Fatalf("service.Meta has %d fields, AppendJSON knows 10: update it (and this count)", n)
	}
	if n := reflect.TypeOf(service.Column{}).NumField(); n != 4 {
		t.Fatalf("service.Column has %d fields, AppendJSON knows 4: update it (and this count)", n)
	}
	rng := rand.New(rand.NewPCG(15, 2))
	pieces := []string{"", "a", "Zürich", "\"", "\\", "<b>", "&amp;", "\n", "\r\t", "\b\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe2\x82", "日本", "😀", "'", "/", " "}
	str := func() string {
		var b []byte
		for n := rng.IntN(5); n > 0; n-- {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		return string(b)
	}
	float := func() float64 {
		switch rng.IntN(8) {
		case 0:
			return math.Float64frombits(rng.Uint64())
		case 1:
			return []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e21, 1e-6, 9.99999e-7, 1e20, 123456789.125}[rng.IntN(10)]
		case 2:
			return math.Pow(10, float64(rng.IntN(60)-30)) * (rng.Float64() - 0.5)
		default:
			return float64(rng.IntN(1_000_000)) / 100
		}
	}
	types := []string{"varchar", "bigint", "double", "decimal(18,2)", "date", "timestamp", "boolean", "blob"}
	cell := func() any {
		switch rng.IntN(11) {
		case 0:
			return nil
		case 1:
			return str()
		case 2:
			return rng.Int64() - rng.Int64()
		case 3, 4:
			return float()
		case 5:
			return rng.IntN(2) == 0
		case 6:
			return time.Unix(rng.Int64N(4_000_000_000)-1_000_000_000, 0).UTC()
		case 7:
			return []byte(str())
		case 8, 9:
			digits := make([]byte, rng.IntN(38)+1)
			for k := range digits {
				digits[k] = byte('0' + rng.IntN(10))
			}
			u, _ := new(big.Int).SetString(string(digits), 10)
			if rng.IntN(2) == 0 {
				u.Neg(u)
			}
			if rng.IntN(10) == 0 {
				u = nil
			}
			return engine.Decimal{Unscaled: u, Scale: rng.IntN(6) - 1}
		default:
			return []any{int64(1), str(), nil} // a type results do not carry
		}
	}
	for n := 0; n < 3000; n++ {
		r := &service.Result{}
		if rng.IntN(20) > 0 {
			r.Columns = []service.Column{}
			for c := rng.IntN(5); c > 0; c-- {
				col := service.Column{Name: str(), Type: types[rng.IntN(len(types))]}
				if rng.IntN(3) == 0 {
					col.Label = str()
				}
				if rng.IntN(3) == 0 {
					col.Format = str()
				}
				r.Columns = append(r.Columns, col)
			}
		}
		for rows := rng.IntN(6); rows > 0; rows-- {
			if rng.IntN(30) == 0 {
				r.Rows = append(r.Rows, nil)
				continue
			}
			row := make([]any, len(r.Columns))
			for j := range row {
				row[j] = cell()
			}
			r.Rows = append(r.Rows, row)
		}
		if rng.IntN(10) > 0 && r.Rows == nil {
			r.Rows = [][]any{}
		}
		r.Meta = service.Meta{ServedBy: str(), SQL: str(), TookMS: float(), Freshness: str(), Cached: rng.IntN(2) == 0,
			RequestID: str(), ETag: str(), MaxAge: time.Duration(rng.IntN(100)) * time.Second, QueuedMS: float()}
		if rng.IntN(4) == 0 {
			r.Meta.Tags = []service.TagUse{}
			for k := rng.IntN(3); k > 0; k-- {
				r.Meta.Tags = append(r.Meta.Tags, service.TagUse{Name: str(), AsOf: str(), BuiltAt: time.Unix(rng.Int64N(2_000_000_000), 0).UTC(), Stale: rng.IntN(2) == 0, Reason: str()})
			}
		}
		want, wantErr := encodingJSON(r)
		got, gotErr := r.AppendJSON([]byte("prefix"))
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("result %d: encoding/json error %v, AppendJSON error %v\n%#v", n, wantErr, gotErr, r)
		}
		if wantErr != nil {
			if string(got) != "prefix" {
				t.Fatalf("result %d: AppendJSON failed but wrote %q", n, got)
			}
			continue
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("result %d differs:\nencoding/json %s\nAppendJSON    %s", n, want, got[len("prefix"):])
		}
		var buf bytes.Buffer
		if err := r.WriteJSON(&buf, false); err != nil || !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("result %d: WriteJSON wrote %q (%v), want %q", n, buf.Bytes(), err, want)
		}
	}
}

// BenchmarkResultJSON encodes a dashboard-sized result (120 rows of a
// segment, a month and an exact amount, plus the SQL) with encoding/json as
// WriteJSON used to and with AppendJSON: go test ./service/ -run '^$'
// -bench ResultJSON.
func BenchmarkResultJSON(b *testing.B) {
	r := &service.Result{Columns: []service.Column{{Name: "customers.segment", Type: "varchar"}, {Name: "transactions.txn_time.month", Type: "date"}, {Name: "txn_amount", Type: "decimal(38,2)", Format: "money"}},
		Meta: service.Meta{ServedBy: "txn_by_segment_month", SQL: "SELECT \"segment\", \"month\", sum(\"txn_amount\") FROM \"txn_by_segment_month\" GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 100001", TookMS: 0.412, Freshness: "2026-12-02T06:00:00Z", RequestID: "0123456789abcdef01234567"}}
	for s, seg := range []string{"affluent", "mass", "private", "staff", ""} {
		for m := 0; m < 24; m++ {
			var cell any = seg
			if seg == "" {
				cell = nil
			}
			r.Rows = append(r.Rows, []any{cell, time.Date(2024, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC), engine.Decimal{Unscaled: big.NewInt(int64(s*1_000_000_007 + m*7_919_993)), Scale: 2}})
		}
	}
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodingJSON(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = r.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
