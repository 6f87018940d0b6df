package ssbgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-metrics/strata/engine/duckdb"
)

const testSF = 0.01

func generate(t *testing.T, seed uint64, parallelism int) (string, Stats) {
	t.Helper()
	dir := t.TempDir()
	st, err := Generate(context.Background(), dir, Options{SF: testSF, Seed: seed, Parallelism: parallelism})
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

func hashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	h := map[string]string{}
	for _, tb := range Tables {
		f, err := os.Open(filepath.Join(dir, tb.Name+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.New()
		if _, err := io.Copy(s, f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		h[tb.Name] = hex.EncodeToString(s.Sum(nil))
	}
	return h
}

// smallChunks makes lineorder come out of several chunks at the test's size,
// so that the concatenation is exercised.
func smallChunks(t *testing.T) {
	old := chunkRows
	chunkRows = 7_000
	t.Cleanup(func() { chunkRows = old })
}

func TestDeterministic(t *testing.T) {
	smallChunks(t)
	dirA, _ := generate(t, 7, 1)
	dirB, _ := generate(t, 7, 4) // parallelism must not matter
	dirC, _ := generate(t, 8, 0)
	a, b, c := hashes(t, dirA), hashes(t, dirB), hashes(t, dirC)
	for _, tb := range Tables {
		if a[tb.Name] != b[tb.Name] {
			t.Errorf("%s: same seed, different bytes", tb.Name)
		}
		if tb.Name != "date" && a[tb.Name] == c[tb.Name] {
			t.Errorf("%s: different seeds, same bytes", tb.Name)
		}
	}
	if a["date"] != c["date"] {
		t.Errorf("date: the calendar must not depend on the seed")
	}
	entries, _ := os.ReadDir(dirA)
	if len(entries) != len(Tables) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("output directory holds %v, want only the %d parquet files", names, len(Tables))
	}
}

func TestSizes(t *testing.T) {
	for _, c := range []struct {
		sf   float64
		want Sizes
	}{
		{1, Sizes{6_000_000, 30_000, 2_000, 200_000, 2556}},
		{10, Sizes{60_000_000, 300_000, 20_000, 800_000, 2556}},
		{100, Sizes{600_000_000, 3_000_000, 200_000, 1_400_000, 2556}},
		{0.01, Sizes{60_000, 300, 20, 2_000, 2556}},
		{1e-9, Sizes{1, 1, 1, 1, 2556}},
	} {
		if got := SizesFor(c.sf); got != c.want {
			t.Errorf("SizesFor(%v) = %+v, want %+v", c.sf, got, c.want)
		}
	}
	if _, err := Generate(context.Background(), t.TempDir(), Options{SF: -1}); err == nil {
		t.Error("negative scale factor accepted")
	}
}

// TestDomains checks the generated values against the specification's
// domains and the relationships between columns.
func TestDomains(t *testing.T) {
	smallChunks(t)
	dir, st := generate(t, 1, 0)
	want := SizesFor(testSF)
	rows := map[string]int64{"lineorder": want.Lineorder, "customer": want.Customer, "supplier": want.Supplier, "part": want.Part, "date": want.Date}
	for _, f := range st.Files {
		if f.Rows != rows[f.Table] || f.Bytes == 0 {
			t.Errorf("%s: %d rows, %d bytes; want %d rows", f.Table, f.Rows, f.Bytes, rows[f.Table])
		}
	}

	ctx := context.Background()
	db, err := duckdb.Open("", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tb := range Tables {
		if err := db.RegisterSource(ctx, tb.Name, filepath.Join(dir, tb.Name+".parquet")); err != nil {
			t.Fatal(err)
		}
	}
	// Each check counts violations; all must be zero.
	checks := map[string]string{
		"row counts": fmt.Sprintf(`SELECT ((SELECT count(*) FROM lineorder) <> %d)::INT + ((SELECT count(*) FROM customer) <> %d)::INT
			+ ((SELECT count(*) FROM supplier) <> %d)::INT + ((SELECT count(*) FROM part) <> %d)::INT + ((SELECT count(*) FROM "date") <> 2556)::INT`,
			want.Lineorder, want.Customer, want.Supplier, want.Part),
		"calendar": `SELECT count(*) FROM (SELECT min(d_datekey) AS lo, max(d_datekey) AS hi, count(DISTINCT d_datekey) AS n FROM "date")
			WHERE lo <> DATE '1992-01-01' OR hi <> DATE '1998-12-30' OR n <> 2556`,
		"calendar fields": `SELECT count(*) FROM "date" WHERE d_year <> year(d_datekey) OR d_yearmonthnum <> year(d_datekey) * 100 + month(d_datekey)
			OR d_yearmonth <> strftime(d_datekey, '%b%Y') OR d_daynuminyear <> dayofyear(d_datekey)
			OR d_weeknuminyear <> (dayofyear(d_datekey) - 1) // 7 + 1 OR d_weeknuminyear NOT BETWEEN 1 AND 53
			OR d_date <> strftime(d_datekey, '%B %-d, %Y') OR d_dayofweek <> dayname(d_datekey)
			OR d_daynuminweek <> dayofweek(d_datekey) + 1 OR d_monthnuminyear <> month(d_datekey)`,
		"order dates": `SELECT count(*) FROM lineorder WHERE lo_orderdate NOT BETWEEN DATE '1992-01-01' AND DATE '1998-08-02'
			OR lo_commitdate NOT BETWEEN lo_orderdate + 30 AND lo_orderdate + 90`,
		"line values": `SELECT count(*) FROM lineorder WHERE lo_quantity NOT BETWEEN 1 AND 50 OR lo_discount NOT BETWEEN 0 AND 10
			OR lo_tax NOT BETWEEN 0 AND 8 OR lo_linenumber NOT BETWEEN 1 AND 7 OR lo_shippriority <> 0
			OR lo_revenue <> lo_extendedprice * (100 - lo_discount) // 100
			OR lo_orderpriority NOT IN ('1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECI', '5-LOW')
			OR lo_shipmode NOT IN ('REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB')`,
		"prices": `SELECT count(*) FROM lineorder
			WHERE lo_extendedprice <> lo_quantity * (90000 + (lo_partkey // 10) % 20001 + 100 * (lo_partkey % 1000))
			OR lo_supplycost <> 6 * (90000 + (lo_partkey // 10) % 20001 + 100 * (lo_partkey % 1000)) // 10`,
		"order totals": `SELECT count(*) FROM (SELECT lo_orderkey FROM lineorder GROUP BY lo_orderkey
			HAVING count(DISTINCT lo_ordtotalprice) <> 1 OR any_value(lo_ordtotalprice) <> sum(lo_revenue * (100 + lo_tax) // 100)
			OR count(*) <> max(lo_linenumber) OR count(DISTINCT lo_custkey) <> 1 OR count(DISTINCT lo_orderdate) <> 1)`,
		"keys": `SELECT count(*) FROM lineorder l
			LEFT JOIN customer c ON l.lo_custkey = c.c_custkey LEFT JOIN supplier s ON l.lo_suppkey = s.s_suppkey
			LEFT JOIN part p ON l.lo_partkey = p.p_partkey LEFT JOIN "date" d ON l.lo_orderdate = d.d_datekey
			WHERE c.c_custkey IS NULL OR s.s_suppkey IS NULL OR p.p_partkey IS NULL OR d.d_datekey IS NULL`,
		"unique keys": `SELECT (SELECT count(*) - count(DISTINCT c_custkey) FROM customer) + (SELECT count(*) - count(DISTINCT s_suppkey) FROM supplier)
			+ (SELECT count(*) - count(DISTINCT p_partkey) FROM part) + (SELECT count(*) - count(DISTINCT (lo_orderkey, lo_linenumber)) FROM lineorder)`,
		"geography": `SELECT count(*) FROM (
			SELECT c_city AS city, c_nation AS nation, c_region AS region FROM customer
			UNION ALL SELECT s_city, s_nation, s_region FROM supplier)
			WHERE NOT regexp_full_match(city, '.{9}[0-9]') OR rtrim(city[1:9]) <> rtrim(nation[1:9])
			OR region NOT IN ('AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST')`,
		"nations": `SELECT count(*) FROM (SELECT c_nation, count(DISTINCT c_region) AS r FROM customer GROUP BY 1 HAVING r <> 1)`,
		"parts": `SELECT count(*) FROM part WHERE NOT regexp_full_match(p_mfgr, 'MFGR#[1-5]')
			OR NOT regexp_full_match(p_category, 'MFGR#[1-5][1-5]') OR NOT starts_with(p_category, p_mfgr)
			OR NOT regexp_full_match(p_brand1, 'MFGR#[1-5][1-5](0[1-9]|[1-3][0-9]|40)') OR NOT starts_with(p_brand1, p_category)
			OR p_size NOT BETWEEN 1 AND 50`,
	}
	for name, q := range checks {
		res, err := db.Query(ctx, q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if n := res.Rows[0][0].(int64); n != 0 {
			t.Errorf("%s: %d violations", name, n)
		}
	}
	// The value domains are covered at this size.
	covered := map[string]string{
		"discounts":  `SELECT count(DISTINCT lo_discount) = 11 AND count(DISTINCT lo_quantity) = 50 FROM lineorder`,
		"categories": `SELECT count(DISTINCT p_category) = 25 AND count(DISTINCT p_mfgr) = 5 FROM part`,
		"years":      `SELECT count(DISTINCT year(lo_orderdate)) = 7 FROM lineorder`,
	}
	for name, q := range covered {
		res, err := db.Query(ctx, q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if res.Rows[0][0] != true {
			t.Errorf("%s: domain not covered", name)
		}
	}
}
