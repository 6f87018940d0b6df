package audience

import (
	"fmt"
	"math"
	"strconv"
)

// Bitmaps hold 32-bit ids. An integer key in 0..2^32-1 is its own id, so
// bitmaps, exports and semi-joins need no lookup. A text key (VARCHAR
// 'C000123') gets an id from a dictionary the engine keeps in its state
// schema: assigned the first time a build sees the key, never renumbered
// nor reused, so a bitmap stays valid across builds. compiler/sqlgen writes
// the dictionary's statements and maps keys to ids inside the queries, so
// every query of a tag or an audience returns ids either way.
//
// Integer keys are not put in a dictionary, even beyond 2^32: a build meets
// such a key and fails with an error naming it (KeyID).

// KeyID turns an id (or an integer key) as the engine returns it into its
// bitmap id.
func KeyID(v any) (uint32, error) {
	switch x := v.(type) {
	case int64:
		if x < 0 || x > math.MaxUint32 {
			return 0, fmt.Errorf("key %d is outside 0..%d, the range a bitmap holds; integer keys are their own ids", x, uint32(math.MaxUint32))
		}
		return uint32(x), nil
	case int32:
		return KeyID(int64(x))
	case int:
		return KeyID(int64(x))
	case uint64:
		if x > math.MaxUint32 {
			return 0, fmt.Errorf("key %d is outside 0..%d, the range a bitmap holds; integer keys are their own ids", x, uint32(math.MaxUint32))
		}
		return uint32(x), nil
	case uint32:
		return x, nil
	case float64:
		if x != math.Trunc(x) {
			return 0, fmt.Errorf("key %v is not an integer", x)
		}
		return KeyID(int64(x))
	case []byte:
		return KeyID(string(x))
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

// keyKind is how an entity's key becomes a bitmap id.
func (s *Scope) keyKind() (dict bool, err error) {
	c := s.Entity.Column(s.Key)
	if c == nil {
		return false, fmt.Errorf("entity %s: key column %s is not declared", s.Entity.Name, s.Key)
	}
	switch c.Type.Base {
	case "bigint", "integer", "smallint", "tinyint":
		return false, nil
	case "varchar":
		return true, nil
	}
	return false, fmt.Errorf("entity %s: key %s is %s; tags need an integer key (0..4294967295, its own id) or a text key (given ids by a dictionary)", s.Entity.Name, s.Key, c.Type.String())
}

// CheckKeyType rejects entity keys that can be neither ids nor dictionary
// keys.
func (s *Scope) CheckKeyType() error {
	_, err := s.keyKind()
	return err
}

// Dictionary reports whether the entity's keys get their ids from a
// dictionary (text keys) rather than being their own ids (integer keys).
func (s *Scope) Dictionary() bool {
	dict, err := s.keyKind()
	return err == nil && dict
}
