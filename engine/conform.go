package engine

import (
	"strings"
)

// Conform converts values in place to the portable types their columns were
// compiled to (types[i] for column i: boolean, bigint, double, decimal(p,s)…),
// where an engine's own type differs:
//
//   - MySQL has no boolean: a boolean expression arrives as 0 or 1.
//   - MySQL sums integers into DECIMAL(…,0): an integer arrives as a Decimal.
//   - MySQL divides into DECIMAL: a double arrives as a Decimal.
//
// Values already of the right type, and NULLs, are left alone.
func Conform(rows [][]any, types []string) {
	for j, t := range types {
		base := strings.ToLower(t)
		if i := strings.IndexByte(base, '('); i >= 0 {
			base = base[:i]
		}
		var conv func(any) any
		switch base {
		case "boolean":
			conv = toBool
		case "tinyint", "smallint", "integer", "bigint":
			conv = toInt
		case "double", "float":
			conv = toFloat
		default:
			continue
		}
		for _, r := range rows {
			if j < len(r) && r[j] != nil {
				r[j] = conv(r[j])
			}
		}
	}
}

func toBool(v any) any {
	switch x := v.(type) {
	case int64:
		return x != 0
	case Decimal:
		return x.Unscaled != nil && x.Unscaled.Sign() != 0
	}
	return v
}

func toInt(v any) any {
	if d, ok := v.(Decimal); ok {
		if r := d.Rat(); r.IsInt() && r.Num().IsInt64() {
			return r.Num().Int64()
		}
	}
	return v
}

func toFloat(v any) any {
	switch x := v.(type) {
	case Decimal:
		return x.Float64()
	case int64:
		return float64(x)
	}
	return v
}
