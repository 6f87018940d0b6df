package banktest

import (
	"fmt"
	"math"
	"time"

	"github.com/strata-metrics/strata/engine"
)

// FloatTolerance is the relative tolerance for floating-point cells; integers
// and strings compare exactly.
const FloatTolerance = 1e-9

// CellEqual compares two result cells, one from Strata and one from the
// reference it is checked against (hand-written SQL, or the raw path): NULL
// equals only NULL; integers exactly, unless tol is wider than FloatTolerance
// (an approximate metric); other numbers within tol relative, NaN only NaN;
// dates as calendar days (both at midnight); timestamps as instants; anything
// else by type and value.
func CellEqual(a, b any, typ string, tol float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	// Decimals compare exactly: money is never compared through float64.
	if x, ok := a.(engine.Decimal); ok {
		if y, ok := b.(engine.Decimal); ok {
			return x.Rat().Cmp(y.Rat()) == 0
		}
	}
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok && tol <= FloatTolerance {
			return x == y
		}
	}
	if x, ok := Number(a); ok {
		y, ok := Number(b)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		if math.IsInf(x, 0) || math.IsInf(y, 0) {
			return false
		}
		return math.Abs(x-y) <= tol*math.Max(math.Abs(x), math.Abs(y))
	}
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		if !ok {
			return false
		}
		if typ == "date" {
			return x.Format(time.DateOnly) == y.Format(time.DateOnly) && midnight(x) && midnight(y)
		}
		return x.Equal(y)
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	}
	return fmt.Sprintf("%T:%v", a, a) == fmt.Sprintf("%T:%v", b, b)
}

func midnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// Number reads a numeric cell as float64.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case engine.Decimal:
		return x.Float64(), true
	}
	return 0, false
}

// Show renders a cell for a failure message, with its kind.
func Show(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.Format("2006-01-02 15:04:05")
	case string:
		return fmt.Sprintf("%q", x)
	case float64:
		return fmt.Sprintf("%v (float)", x)
	case int64:
		return fmt.Sprintf("%v (int)", x)
	case engine.Decimal:
		return x.String() + " (decimal)"
	}
	return fmt.Sprintf("%v (%T)", v, v)
}
