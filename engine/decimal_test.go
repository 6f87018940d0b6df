package engine

import (
	"encoding/json"
	"math/big"
	"testing"
)

func TestDecimalString(t *testing.T) {
	for _, c := range []struct {
		unscaled string
		scale    int
		want     string
	}{
		{"123450", 2, "1234.50"}, {"-7", 2, "-0.07"}, {"0", 2, "0.00"}, {"5", 0, "5"},
		{"12", -2, "1200"}, {"99999999999999999999999999999999999999", 2, "999999999999999999999999999999999999.99"},
		{"-100000000000000000000001", 3, "-100000000000000000000.001"},
	} {
		u, _ := new(big.Int).SetString(c.unscaled, 10)
		d := Decimal{Unscaled: u, Scale: c.scale}
		if got := d.String(); got != c.want {
			t.Errorf("%s e-%d: got %s, want %s", c.unscaled, c.scale, got, c.want)
		}
		j, _ := json.Marshal([]any{d})
		if string(j) != "["+c.want+"]" {
			t.Errorf("JSON %s, want [%s]", j, c.want)
		}
		if r, _ := new(big.Rat).SetString(c.want); r.Cmp(d.Rat()) != 0 {
			t.Errorf("Rat %v, want %v", d.Rat(), r)
		}
	}
}
