package engine

import (
	"fmt"
	"math/big"
	"strings"
)

// ParseDecimal reads plain decimal notation — an optional sign, digits and an
// optional fraction ("-12.50", "7", ".5") — as engines that send DECIMAL as
// text (the MySQL protocol) return it; the scale is the number of fraction
// digits written.
func ParseDecimal(s string) (Decimal, error) {
	t := strings.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	whole, frac, _ := strings.Cut(t, ".")
	digits := whole + frac
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return Decimal{}, fmt.Errorf("not a decimal number: %q", s)
	}
	u, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return Decimal{}, fmt.Errorf("not a decimal number: %q", s)
	}
	if neg {
		u.Neg(u)
	}
	return Decimal{Unscaled: u, Scale: len(frac)}, nil
}
