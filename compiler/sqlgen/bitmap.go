package sqlgen

import (
	"fmt"

	"github.com/strata-metrics/strata/compiler/rollup"
)

// DuckDB's distinct sets. A set of integer keys counted exactly is a roaring
// bitmap (a BLOB in the portable roaring64 format) built and merged by scalar
// functions the engine registers (engine/duckdb/bitmap.go) over the LIST
// DuckDB's list() gathers per group: a union of bitmaps costs a few word
// operations per container where a LIST costs a hash per element, which on
// large sets is most of a distinct query's time. Other sets (keys that are
// not integers, and approximate counts, whose sketch is taken over the values:
// see rollup.Key.Bitmap) are the LIST of a group's distinct values, merged by
// flattening and de-duplicating.
const (
	BitmapBuild = "strata_bitmap_build"
	BitmapUnion = "strata_bitmap_union"
	BitmapCount = "strata_bitmap_count"
)

// SetColumns implements Aggregates.
func (DuckDB) SetColumns() bool { return true }

// SetBuild implements Aggregates. The keys are de-duplicated by DuckDB first:
// its hash table is cheaper per key than handing each copy to the function.
func (DuckDB) SetBuild(arg string, key rollup.Key) (string, error) {
	if key.Bitmap() {
		return fmt.Sprintf("%s(list(DISTINCT CAST(%s AS BIGINT)) FILTER (WHERE %s IS NOT NULL))", BitmapBuild, arg, arg), nil
	}
	return fmt.Sprintf("list(DISTINCT %s) FILTER (WHERE %s IS NOT NULL)", arg, arg), nil
}

// SetUnion implements Aggregates.
func (DuckDB) SetUnion(col string, key rollup.Key) (string, error) {
	if key.Bitmap() {
		return fmt.Sprintf("%s(list(%s))", BitmapUnion, col), nil
	}
	return fmt.Sprintf("list_distinct(flatten(list(%s)))", col), nil
}

// SetCount implements Aggregates. A stored list holds distinct values already:
// unioning one list with list_distinct(flatten(list(…))) costs a hash per
// element and gives the same number, so a group of one row reads the list's
// length. A group whose keys were all NULL has no set and counts 0.
func (DuckDB) SetCount(col string, key rollup.Key, single bool) (string, error) {
	if key.Bitmap() {
		return fmt.Sprintf("COALESCE(%s(list(%s)), 0)", BitmapCount, col), nil
	}
	if single {
		return "COALESCE(MAX(length(" + col + ")), 0)", nil
	}
	return fmt.Sprintf("COALESCE(length(list_distinct(flatten(list(%s)))), 0)", col), nil
}

// SetApproxCount implements Aggregates: an approximate count's set is always
// a list (rollup.Key.Bitmap), sketched as the raw values are.
func (DuckDB) SetApproxCount(col string, key rollup.Key, single bool) (string, error) {
	if key.Bitmap() {
		return "", fmt.Errorf("internal: an approximate count is kept as a list of values, not a bitmap")
	}
	if single {
		return "COALESCE(MAX(list_aggregate(" + col + ", 'approx_count_distinct')), 0)", nil
	}
	return fmt.Sprintf("COALESCE(list_aggregate(flatten(list(%s)), 'approx_count_distinct'), 0)", col), nil
}
