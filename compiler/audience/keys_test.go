package audience_test

import (
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/model"
)

// TestKeyKinds checks how an entity's key becomes a bitmap id: integers are
// their own ids, text goes through a dictionary, anything else is refused
// with a message naming the entity, the key and both kinds that work.
func TestKeyKinds(t *testing.T) {
	cat := bankCatalog(t)
	s, err := audience.EntityScope(cat, "customers")
	if err != nil {
		t.Fatal(err)
	}
	col := s.Entity.Column(s.Key)
	orig := col.Type
	defer func() { col.Type = orig }()
	for _, c := range []struct {
		base string
		dict bool
		err  string
	}{
		{"bigint", false, ""}, {"integer", false, ""}, {"smallint", false, ""},
		{"varchar", true, ""},
		{"date", false, "entity customers: key customer_id is date; tags need an integer key (0..4294967295, its own id) or a text key (given ids by a dictionary)"},
		{"decimal", false, "key customer_id is decimal"},
		{"double", false, "key customer_id is double"},
	} {
		col.Type = model.Type{Base: c.base, Precision: 18}
		err := s.CheckKeyType()
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: CheckKeyType = %v; want %q", c.base, err, c.err)
		}
		if s.Dictionary() != c.dict {
			t.Errorf("%s: Dictionary = %v; want %v", c.base, s.Dictionary(), c.dict)
		}
	}
}

// TestKeyID checks the conversion of ids as engines return them, and the
// errors for integer keys a bitmap cannot hold.
func TestKeyID(t *testing.T) {
	for _, c := range []struct {
		v   any
		id  uint32
		err string
	}{
		{int64(0), 0, ""}, {int64(4294967295), 4294967295, ""}, {int32(7), 7, ""}, {uint64(9), 9, ""},
		{[]byte("12"), 12, ""}, {"13", 13, ""}, {float64(14), 14, ""},
		{int64(-1), 0, "key -1 is outside 0..4294967295"},
		{int64(4294967296), 0, "key 4294967296 is outside 0..4294967295"},
		{uint64(1 << 40), 0, "is outside 0..4294967295"},
		{"C0001", 0, `key "C0001" is not an integer`},
		{1.5, 0, "key 1.5 is not an integer"},
		{nil, 0, "key is NULL"},
	} {
		id, err := audience.KeyID(c.v)
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) || id != c.id {
			t.Errorf("KeyID(%#v) = %d, %v; want %d, %q", c.v, id, err, c.id, c.err)
		}
	}
}
