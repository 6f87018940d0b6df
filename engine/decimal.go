package engine

import (
	"fmt"
	"math/big"
	"strings"
)

// Decimal is an exact decimal number, Unscaled × 10^-Scale, as an engine that
// keeps DECIMAL values exact returns them: money never passes through float64.
// Its text form keeps every digit of the scale (12.50 stays 12.50).
type Decimal struct {
	Unscaled *big.Int
	Scale    int
}

// ParseDecimal reads plain decimal notation: an optional sign, digits, and an
// optional fraction ("-12.50", "7", ".5").
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

// String formats d in plain notation with exactly Scale fraction digits.
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	s := new(big.Int).Abs(d.Unscaled).String()
	if d.Scale > 0 {
		if len(s) <= d.Scale {
			s = strings.Repeat("0", d.Scale-len(s)+1) + s
		}
		s = s[:len(s)-d.Scale] + "." + s[len(s)-d.Scale:]
	}
	if d.Unscaled.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// MarshalJSON writes d as a JSON number with every digit: clients that parse
// numbers exactly get the exact value.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// Rat is d as an exact rational, for comparisons and arithmetic.
func (d Decimal) Rat() *big.Rat {
	if d.Unscaled == nil {
		return new(big.Rat)
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	return new(big.Rat).SetFrac(d.Unscaled, den)
}

// Float64 is the nearest float64, for display and approximate comparison only.
func (d Decimal) Float64() float64 {
	f, _ := d.Rat().Float64()
	return f
}
