package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/strata-metrics/strata/api"
)

// TestIngestOverTheListener appends rows to transactions over a real
// listener, as JSON lines and as an Arrow stream: raw and rollup-served
// answers include them at once (the rollup with its tail), exactly, and
// every bad append is a 4xx naming the row and column that leaves the
// answers as they were.
func TestIngestOverTheListener(t *testing.T) {
	w := builtBank(t, 3000, 21, 1)
	srv := httptest.NewServer(api.New(w, api.Options{}))
	defer srv.Close()
	post := func(path, ctype string, body []byte) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, ctype, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: not JSON: %s", path, b)
		}
		return resp.StatusCode, v
	}
	// The day's totals on the rollup and on the raw tables.
	totals := func(noRollup bool) (string, string) {
		t.Helper()
		q := fmt.Sprintf(`{"metrics":["txn_amount","txn_count"],"where":"transactions.txn_time.day = '2026-01-05'","no_rollup":%t}`, noRollup)
		st, v := post("/v1/query", "application/json", []byte(q))
		if st != 200 {
			t.Fatalf("query: %d %v", st, v)
		}
		row := v["rows"].([]any)[0].([]any)
		meta := v["meta"].(map[string]any)
		return fmt.Sprintf("%v|%v", row[0], row[1]), meta["served_by"].(string)
	}
	if got, by := totals(false); got != "<nil>|0" || by != "txn_daily" {
		t.Fatalf("before: %s served by %s", got, by)
	}

	// Two rows as JSON lines: local 2026-01-05 (UTC+8) in naive UTC and
	// with an offset; one posted, one reversed.
	lines := `{"txn_id": 900000001, "account_id": 1, "customer_id": 1, "channel_id": 1, "amount": 100.25, "status": "posted", "txn_time": "2026-01-04 20:00:00", "value_date": "2026-01-05"}
{"txn_id": 900000002, "account_id": 1, "customer_id": 2, "channel_id": 2, "amount": "7.5", "status": "reversed", "txn_time": "2026-01-05T09:30:00+08:00"}
`
	if st, v := post("/v1/ingest/transactions", "application/x-ndjson", []byte(lines)); st != 200 || v["rows"] != 2.0 || v["table"] != "transactions" {
		t.Fatalf("JSON lines: %d %v", st, v)
	}
	// Objects written over several lines (pretty-printed) are rows too.
	pretty := "{\n  \"txn_id\": 900000004,\n  \"status\": \"pending\",\n  \"txn_time\": \"2026-01-05 03:00:00\"\n}\n{\"txn_id\": 900000005, \"status\": \"pending\",\n \"txn_time\": \"2026-01-05 04:00:00\"}"
	if st, v := post("/v1/ingest/transactions", "application/json", []byte(pretty)); st != 200 || v["rows"] != 2.0 {
		t.Fatalf("pretty-printed objects: %d %v", st, v)
	}
	// A body over the limit is a 413, whatever it holds.
	if st, v := post("/v1/ingest/transactions", "application/x-ndjson", bytes.Repeat([]byte(`{"status": "posted"}`+"\n"), api.MaxIngestBody/20+1)); st != 413 {
		t.Fatalf("a body over the limit: %d %v", st, v)
	}
	// No row as a JSON array: nothing to append.
	if st, v := post("/v1/ingest/transactions", "application/json", []byte(" [ ] ")); st != 400 {
		t.Fatalf("an empty array: %d %v", st, v)
	}
	// One row as an Arrow stream: a decimal128 amount and a UTC timestamp.
	if st, v := post("/v1/ingest/transactions", "application/vnd.apache.arrow.stream", arrowRow(t)); st != 200 || v["rows"] != 1.0 {
		t.Fatalf("Arrow: %d %v", st, v)
	}
	const want = "119.75|5" // 100.25 + 19.50 posted; five rows
	for _, noRollup := range []bool{false, true} {
		got, by := totals(noRollup)
		if got != want {
			t.Errorf("no_rollup %t: %s, want %s", noRollup, got, want)
		}
		if wantBy := map[bool]string{false: "txn_daily+tail", true: "raw"}[noRollup]; by != wantBy {
			t.Errorf("no_rollup %t: served by %s, want %s", noRollup, by, wantBy)
		}
	}

	for _, c := range []struct {
		path, ctype, body string
		status            int
		code              string
		row               float64
		column, says      string
	}{
		{"/v1/ingest/transactions", "application/x-ndjson", "{\"txn_id\": 1}\n{\"amout\": 1}\n", 400, "unknown-column", 2, "amout", `did you mean "amount"`},
		{"/v1/ingest/transactions", "application/x-ndjson", `{"amount": 1.005}`, 400, "type-mismatch", 1, "amount", "3 digits after the point"},
		{"/v1/ingest/transactions", "application/x-ndjson", `{"txn_time": "2026-02-30 10:00:00"}`, 400, "type-mismatch", 1, "txn_time", "not a valid timestamp"},
		{"/v1/ingest/transactions", "application/x-ndjson", `{"channel_id": "web"}`, 400, "type-mismatch", 1, "channel_id", "whole number"},
		{"/v1/ingest/transactions", "application/x-ndjson", "[1]", 400, "bad-json", 1, "", "JSON object"},
		{"/v1/ingest/transactions", "application/json", `[{"txn_id": 1}, {"amount": true}]`, 400, "type-mismatch", 2, "amount", "not true"},
		{"/v1/ingest/transactions", "application/json", `[{"txn_id": 1}`, 400, "bad-json", 0, "", "does not end"},
		{"/v1/ingest/transactions", "application/x-ndjson", "{\"txn_id\": 1}\n{\"txn_id\": 2} x\n", 400, "bad-json", 3, "", "invalid character 'x'"},
		{"/v1/ingest/transactions", "application/x-ndjson", "\n\n", 400, "no-rows", 0, "", "no rows"},
		{"/v1/ingest/transactions", "text/csv", "a,b", 400, "bad-format", 0, "", "JSON lines"},
		{"/v1/ingest/transactions", "application/vnd.apache.arrow.stream", "not arrow", 400, "bad-arrow", 0, "", "Arrow"},
		{"/v1/ingest/customers", "application/x-ndjson", `{"customer_id": 1}`, 400, "not-a-fact", 0, "", "dimension table"},
		{"/v1/ingest/transaction", "application/x-ndjson", `{"txn_id": 1}`, 400, "unknown-table", 0, "", `did you mean "transactions"`},
	} {
		st, v := post(c.path, c.ctype, []byte(c.body))
		e, _ := v["error"].(map[string]any)
		if st != c.status || e == nil || e["code"] != c.code || !strings.Contains(fmt.Sprint(e["message"]), c.says) {
			t.Errorf("%s %q: %d %v, want %d %s saying %s", c.path, c.body, st, v, c.status, c.code, c.says)
			continue
		}
		pos, _ := e["position"].(map[string]any)
		if c.row > 0 && (pos == nil || pos["row"] != c.row || fmt.Sprint(pos["column"]) != c.column && c.column != "") {
			t.Errorf("%s %q: position %v, want row %v column %s", c.path, c.body, pos, c.row, c.column)
		}
	}
	if got, _ := totals(true); got != want {
		t.Errorf("after the refused appends: %s, want %s", got, want)
	}

	// A scoped key may not append: the rows would change every key's answers.
	e := scopedServer(t)
	resp, b := e.call(t, "east-token", "POST", "/v1/ingest/transactions", lines, "Content-Type", "application/x-ndjson")
	if resp.StatusCode != 403 || !strings.Contains(string(b), `"forbidden"`) {
		t.Errorf("scoped key: %d %s", resp.StatusCode, b)
	}
}

// arrowRow is one transaction as an Arrow IPC stream: 19.50 posted at
// 2026-01-05 02:00 UTC (10:00 local).
func arrowRow(t *testing.T) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "txn_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "channel_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).Append(900000003)
	b.Field(1).(*array.Int64Builder).Append(3)
	b.Field(2).(*array.Int32Builder).Append(1)
	b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(1950))
	b.Field(4).(*array.StringBuilder).Append("posted")
	ts, _ := arrow.TimestampFromTime(time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC), arrow.Microsecond)
	b.Field(5).(*array.TimestampBuilder).Append(ts)
	return ipcStream(t, b)
}

// ipcStream is the builder's record as an Arrow IPC stream.
func ipcStream(t *testing.T, b *array.RecordBuilder) []byte {
	t.Helper()
	rec := b.NewRecord()
	defer rec.Release()
	var buf bytes.Buffer
	wr := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := wr.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestIngestArrowTypes: the Arrow forms writers use beside the plain ones —
// a dictionary-encoded string (pandas categoricals), date64, nanosecond
// wall-time timestamps — append like JSON lines; a nested type is refused
// naming its column.
func TestIngestArrowTypes(t *testing.T) {
	w := builtBank(t, 3000, 22, 1)
	srv := httptest.NewServer(api.New(w, api.Options{}))
	defer srv.Close()
	mem := memory.DefaultAllocator
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "txn_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "status", Type: dictType},
		{Name: "value_date", Type: arrow.FixedWidthTypes.Date64},
		{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	day := time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)
	for i, st := range []string{"posted", "reversed", "posted"} {
		b.Field(0).(*array.Int64Builder).Append(int64(910000000 + i))
		if err := b.Field(1).(*array.BinaryDictionaryBuilder).AppendString(st); err != nil {
			t.Fatal(err)
		}
		b.Field(2).(*array.Date64Builder).Append(arrow.Date64FromTime(day))
		ts, _ := arrow.TimestampFromTime(day.Add(time.Duration(i)*time.Hour), arrow.Nanosecond)
		b.Field(3).(*array.TimestampBuilder).Append(ts)
		b.Field(4).(*array.Float64Builder).Append(1.25)
	}
	resp, err := http.Post(srv.URL+"/v1/ingest/transactions", "application/vnd.apache.arrow.stream", bytes.NewReader(ipcStream(t, b)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"rows":3`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	q := `{"metrics":["posted_count","reversed_count","txn_amount"],"where":"transactions.value_date = '2026-02-03'","no_rollup":true}`
	resp, err = http.Post(srv.URL+"/v1/query", "application/json", strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"rows":[[2,1,2.50]]`) {
		t.Errorf("the appended rows: %s", body)
	}

	// A list column is refused, naming it.
	ls := arrow.NewSchema([]arrow.Field{{Name: "status", Type: arrow.ListOf(arrow.BinaryTypes.String)}}, nil)
	lb := array.NewRecordBuilder(mem, ls)
	defer lb.Release()
	l := lb.Field(0).(*array.ListBuilder)
	l.Append(true)
	l.ValueBuilder().(*array.StringBuilder).Append("posted")
	resp, err = http.Post(srv.URL+"/v1/ingest/transactions", "application/vnd.apache.arrow.stream", bytes.NewReader(ipcStream(t, lb)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"column":"status"`) || !strings.Contains(string(body), "list") {
		t.Errorf("a list column: %d %s", resp.StatusCode, body)
	}
}
