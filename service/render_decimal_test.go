package service_test

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/service"
)

// TestRenderDecimalsExact renders decimals that float64 cannot hold
// (17 and 38 significant digits) as JSON, CSV and the terminal table, and
// requires every digit back.
func TestRenderDecimalsExact(t *testing.T) {
	big1, _ := new(big.Int).SetString("1234567890123456789", 10)
	big2, _ := new(big.Int).SetString("-99999999999999999999999999999999999999", 10)
	res := &service.Result{
		Columns: []service.Column{{Name: "a", Type: "decimal(38,2)"}, {Name: "b", Type: "decimal(38,4)"}},
		Rows:    [][]any{{engine.Decimal{Unscaled: big1, Scale: 2}, engine.Decimal{Unscaled: big2, Scale: 4}}},
	}
	want := []string{"12345678901234567.89", "-9999999999999999999999999999999999.9999"}
	var j, c, tb bytes.Buffer
	if err := res.WriteJSON(&j, false); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		for name, out := range map[string]string{"JSON": j.String(), "CSV": c.String(), "table": tb.String()} {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %s:\n%s", name, w, out)
			}
		}
	}
	if !strings.Contains(j.String(), `[[12345678901234567.89,`) {
		t.Errorf("JSON does not print the decimal as a number: %s", j.String())
	}
}
