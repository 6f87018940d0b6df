package engine

import (
	"math/big"
	"strings"
)

// Decimal is an exact decimal value, Unscaled × 10^−Scale. Engines return
// DECIMAL columns as Decimal so that money never passes through float64:
// renderers print it from its digits (String), and Arrow encodes the unscaled
// integer as Decimal128.
type Decimal struct {
	Unscaled *big.Int
	Scale    int
}

// String prints the value exactly, with Scale digits after the point:
// 1234.50, -0.07, 12.
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	digits := new(big.Int).Abs(d.Unscaled).String()
	sign := ""
	if d.Unscaled.Sign() < 0 {
		sign = "-"
	}
	if d.Scale <= 0 {
		return sign + digits + strings.Repeat("0", -d.Scale)
	}
	if len(digits) <= d.Scale {
		digits = strings.Repeat("0", d.Scale-len(digits)+1) + digits
	}
	i := len(digits) - d.Scale
	return sign + digits[:i] + "." + digits[i:]
}

// Rat is the value as an exact rational, for comparisons.
func (d Decimal) Rat() *big.Rat {
	if d.Unscaled == nil {
		return new(big.Rat)
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(d.Scale, 0))), nil)
	num := new(big.Int).Set(d.Unscaled)
	if d.Scale < 0 {
		num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.Scale)), nil))
	}
	return new(big.Rat).SetFrac(num, den)
}

// Float64 is the nearest float64, for callers that only need an approximation
// (charts, tolerances); never for rendering.
func (d Decimal) Float64() float64 {
	f, _ := d.Rat().Float64()
	return f
}

// MarshalJSON writes the value as a JSON number with its exact digits.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }
