package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestIllTypedQueriesAre400 sends ill-typed filters over HTTP: each is a 400
// with its code, the field and offset of the wrong operand, and a message
// saying what was expected — never an engine error.
func TestIllTypedQueriesAre400(t *testing.T) {
	for _, c := range []struct{ where, code, at, says string }{
		{"customers.segment = 1", "type-mismatch", "1", "expected a string"},
		{"transactions.value_date >= '2025-02-30'", "type-mismatch", "'2025-02-30'", "not a day of the calendar"},
		{"transactions.txn_time > 20250101", "type-mismatch", "20250101", "expected a timestamp"},
		{"transactions.txn_time.month = '2025-01-15'", "bad-period-label", "'2025-01-15'", "write '2025-01-01'"},
		{"transactions.txn_id = 0x41", "bad-literal", "0x41", "hex and bit literals"},
	} {
		body, _ := json.Marshal(map[string]any{"metrics": []string{"txn_amount"}, "where": c.where})
		resp, b := do(t, "POST", "/v1/query", string(body))
		var e apiErr
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s: %s", c.where, b)
		}
		want := float64(strings.Index(c.where, c.at))
		if resp.StatusCode != 400 || e.Error.Code != c.code || e.Error.Position["field"] != "where" || e.Error.Position["offset"] != want || !strings.Contains(e.Error.Message, c.says) {
			t.Errorf("%s: got %d %+v; want 400 %s at %v saying %q", c.where, resp.StatusCode, e.Error, c.code, want, c.says)
		}
	}
}
