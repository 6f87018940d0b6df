package materializer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine/duckdb"
)

// The orphan sweep keeps a live version's key tables: keyTableOf maps a key
// table to its version's table and nothing else to anything.
func TestKeyTableOf(t *testing.T) {
	for name, want := range map[string]string{
		"_strata.r_txn_daily_00c6dbba_1796170536056270453_k0":  "_strata.r_txn_daily_00c6dbba_1796170536056270453",
		"_strata.r_txn_daily_00c6dbba_1796170536056270453_k12": "_strata.r_txn_daily_00c6dbba_1796170536056270453",
		"_strata.r_txn_daily_00c6dbba_1796170536056270453":     "",
		"_strata.r_x_k1_00c6dbba_1796170536056270453":          "",
		"_strata.r_x_00c6dbba_1796170536056270453_k":           "",
	} {
		if got := keyTableOf(name); got != want {
			t.Errorf("keyTableOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// sortPrefix orders the fields by their numbers of values and keeps them
// while the runs of equal keys stay at least minRun rows long (always the
// first): SSB's q4_brand (about 4.2M of 6M rows) keeps 4 of its 8 fields,
// q3_city_month 2 of 4; a field without a measure goes last.
func TestSortPrefix(t *testing.T) {
	card := map[string]int64{"year": 7, "c_region": 5, "s_region": 5, "mfgr": 5, "s_nation": 25, "category": 25, "s_city": 250, "brand": 1000, "month": 84, "c_city": 250}
	for _, c := range []struct {
		dims   []string
		rows   int64
		minRun int64
		want   string
	}{
		{[]string{"year", "c_region", "s_region", "s_nation", "s_city", "mfgr", "category", "brand"}, 6_000_000, 2048, "[c_region s_region mfgr year]"},
		{[]string{"year", "month", "c_city", "s_city"}, 6_000_000, 2048, "[year month]"},
		{[]string{"year", "month", "c_city", "s_city"}, 6_000_000, 0, "[year month c_city s_city]"},
		{[]string{"s_city", "year"}, 100, 2048, "[year]"},
		{[]string{"computed", "year", "brand"}, 1 << 40, 0, "[year brand computed]"},
		{[]string{"computed", "year", "brand"}, 1 << 40, 2048, "[year brand]"},
		{[]string{"brand"}, 0, 2048, "[brand]"},
	} {
		if got := fmt.Sprint(sortPrefix(append([]string{}, c.dims...), card, c.rows, c.minRun)); got != c.want {
			t.Errorf("sortPrefix(%v, %d rows, runs of %d) = %s, want %s", c.dims, c.rows, c.minRun, got, c.want)
		}
	}
}

// A build writes its sums in the narrow type directly (narrowedBody): the
// cast must fail on a sum that does not fit, never wrap or round, so that
// the build falls back to the wide column; a sum that fits is stored narrow
// with its value.
func TestNarrowedSumsFailRatherThanWrap(t *testing.T) {
	ctx := context.Background()
	db, err := duckdb.Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := sqlgen.DuckDB{}
	for _, c := range []struct {
		values string
		fits   bool
	}{
		{"(CAST(9223372036854775807 AS BIGINT)), (CAST(1 AS BIGINT))", false},
		{"(CAST(9223372036854775807 AS BIGINT)), (CAST(-7 AS BIGINT))", true},
		{"(CAST(12.50 AS DECIMAL(18,2))), (CAST(-0.25 AS DECIMAL(18,2)))", true},
		{"(CAST(9999999999999999.99 AS DECIMAL(18,2))), (CAST(0.01 AS DECIMAL(18,2)))", false},
	} {
		body := "SELECT 1 AS k, SUM(x) AS s FROM (VALUES " + c.values + ") AS v(x)"
		res, err := db.Query(ctx, sqlgen.ColumnsOf(d, body))
		if err != nil {
			t.Fatal(err)
		}
		narrow := d.NarrowType(res.Columns[1].Type)
		if narrow == "" {
			t.Fatalf("%s: the sum's type %s has no narrower type", c.values, res.Columns[1].Type)
		}
		q := sqlgen.Narrowed(d, body, []string{res.Columns[0].Name, res.Columns[1].Name}, map[string]string{"s": narrow})
		err = db.Exec(ctx, "CREATE OR REPLACE TABLE n AS "+q)
		if !c.fits {
			if err == nil {
				got, _ := db.Query(ctx, "SELECT CAST(s AS VARCHAR) FROM n")
				t.Errorf("%s: a sum that does not fit %s was stored as %v", c.values, narrow, got.Rows)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.values, err)
		}
		got, err := db.Query(ctx, "SELECT CAST(s AS VARCHAR), typeof(s), (SELECT CAST(SUM(x) AS VARCHAR) FROM (VALUES "+c.values+") AS v(x)) FROM n")
		if err != nil {
			t.Fatal(err)
		}
		if row := got.Rows[0]; row[0] != row[2] || !strings.EqualFold(fmt.Sprint(row[1]), narrow) {
			t.Errorf("%s: stored %v as %v, want %v as %s", c.values, row[0], row[1], row[2], narrow)
		}
	}
}
