package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// TestDecimalsExactInEveryFormat checks that money stays decimal end to end:
// the sum of amounts per segment, served raw and from a rollup, reads in JSON
// (as a number), CSV and Arrow (as Decimal128) exactly as DuckDB prints the
// hand-written SUM cast to text — digits that never went through float64.
func TestDecimalsExactInEveryFormat(t *testing.T) {
	ctx := context.Background()
	res, err := bank.Engine.Query(ctx, `
SELECT COALESCE(c.segment, '(null)'), CAST(SUM(t.amount) FILTER (WHERE t.status = 'posted') AS VARCHAR)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range res.Rows {
		want[r[0].(string)] = r[1].(string)
	}
	if len(want) < 3 {
		t.Fatalf("hand-written SQL gave %d segments", len(want))
	}
	key := func(v any) string {
		if v == nil {
			return "(null)"
		}
		return v.(string)
	}
	for _, noRollup := range []string{"true", "false"} {
		q := `{"metrics":["txn_amount"],"dimensions":["customers.segment"],"no_rollup":` + noRollup + `}`
		// JSON: a number with the decimal's digits.
		_, b := do(t, "POST", "/v1/query", q)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var js struct {
			Columns []struct{ Name, Type string }
			Rows    [][]any
			Meta    struct {
				ServedBy string `json:"served_by"`
			}
		}
		if err := dec.Decode(&js); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if noRollup == "false" && js.Meta.ServedBy == "raw" {
			t.Fatalf("expected a rollup to serve %s", q)
		}
		if !strings.HasPrefix(js.Columns[1].Type, "decimal(") {
			t.Fatalf("txn_amount column type %q, want decimal", js.Columns[1].Type)
		}
		for _, r := range js.Rows {
			n, ok := r[1].(json.Number)
			if !ok || string(n) != want[key(r[0])] {
				t.Errorf("JSON (%s) %v: %v, want %s", js.Meta.ServedBy, r[0], r[1], want[key(r[0])])
			}
		}
		// CSV: the same digits.
		_, b = do(t, "POST", "/v1/query", q, "Accept", "text/csv")
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			seg := r[0]
			if seg == "" {
				seg = "(null)"
			}
			if r[1] != want[seg] {
				t.Errorf("CSV %s: %s, want %s", seg, r[1], want[seg])
			}
		}
		// Arrow: Decimal128 of the column's precision and scale.
		_, b = do(t, "POST", "/v1/query", q, "Accept", "application/vnd.apache.arrow.stream")
		rd, err := ipc.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rd.Next() {
			rec := rd.RecordBatch()
			dt, ok := rec.Schema().Field(1).Type.(*arrow.Decimal128Type)
			if !ok {
				t.Fatalf("arrow type %s, want decimal128", rec.Schema().Field(1).Type)
			}
			segs, amts := rec.Column(0).(*array.String), rec.Column(1).(*array.Decimal128)
			for i := 0; i < int(rec.NumRows()); i++ {
				seg := "(null)"
				if !segs.IsNull(i) {
					seg = segs.Value(i)
				}
				got := amts.Value(i).ToString(dt.Scale)
				if got != want[seg] {
					t.Errorf("Arrow %s: %s, want %s", seg, got, want[seg])
				}
				n++
			}
		}
		rd.Release()
		if n != len(want) {
			t.Errorf("arrow rows %d, want %d", n, len(want))
		}
	}
}
