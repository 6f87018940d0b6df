package audience

import (
	"fmt"
	"math"
	"strconv"
)

// Bitmaps hold 32-bit ids. An integer key in 0..2^32-1 is its own id, so
// bitmaps, exports and semi-joins need no lookup.

// KeyID turns an entity key as the engine returns it into its bitmap id.
func KeyID(v any) (uint32, error) {
	switch x := v.(type) {
	case int64:
		if x < 0 || x > math.MaxUint32 {
			return 0, fmt.Errorf("key %d is outside 0..%d, the range a bitmap holds", x, uint32(math.MaxUint32))
		}
		return uint32(x), nil
	case int32:
		return KeyID(int64(x))
	case int:
		return KeyID(int64(x))
	case float64:
		if x != math.Trunc(x) {
			return 0, fmt.Errorf("key %v is not an integer", x)
		}
		return KeyID(int64(x))
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("key %q is not an integer", x)
		}
		return KeyID(n)
	case nil:
		return 0, fmt.Errorf("key is NULL")
	}
	return 0, fmt.Errorf("key of type %T is not an integer", v)
}

// CheckKeyType rejects entity keys that are not integers: bitmaps hold
// integer ids, and a dictionary for other keys is not built yet.
func (s *Scope) CheckKeyType() error {
	c := s.Entity.Column(s.Key)
	if c == nil {
		return fmt.Errorf("entity %s: key column %s is not declared", s.Entity.Name, s.Key)
	}
	switch c.Type.Base {
	case "bigint", "integer", "int", "smallint", "tinyint", "ubigint", "uinteger", "usmallint", "utinyint", "hugeint":
		return nil
	}
	return fmt.Errorf("entity %s: key %s is %s; tags need an integer key (0..4294967295)", s.Entity.Name, s.Key, c.Type.String())
}
