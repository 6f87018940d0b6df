package sqlgen

import (
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// TestSetUnionForms checks that each dialect unions a stored set in the form
// it was built in: DuckDB bitmaps for exact integer keys, lists otherwise;
// StarRocks bitmaps, and HLL sketches for approximate counts; MySQL has none.
func TestSetUnionForms(t *testing.T) {
	intKey := rollup.Key{Type: model.Type{Base: "bigint"}}
	strKey := rollup.Key{Type: model.Type{Base: "varchar"}}
	approx := rollup.Key{Type: model.Type{Base: "bigint"}, Approx: true}
	cases := []struct {
		d    Dialect
		key  rollup.Key
		want string
	}{
		{DuckDB{}, intKey, BitmapUnion + "("},
		{DuckDB{}, strKey, "list_distinct(flatten("},
		{DuckDB{}, approx, "list_distinct(flatten("},
		{StarRocks{}, intKey, "bitmap_union("},
		{StarRocks{}, approx, "hll_union("},
	}
	for _, c := range cases {
		got, err := c.d.SetUnion(`"s"`, c.key)
		if err != nil || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s %+v: %q, %v; want %s…", c.d.Name(), c.key, got, err, c.want)
		}
	}
	if _, err := (MySQL{}).SetUnion(`"s"`, intKey); err == nil {
		t.Error("mysql unioned a set column it does not have")
	}
	// The build and the union agree on the form for every key.
	for _, k := range []rollup.Key{intKey, strKey, approx} {
		b, _ := DuckDB{}.SetBuild("x", k)
		u, _ := DuckDB{}.SetUnion("x", k)
		if strings.Contains(b, BitmapBuild) != strings.Contains(u, BitmapUnion) {
			t.Errorf("%+v: built as %q but unioned as %q", k, b, u)
		}
	}
}
