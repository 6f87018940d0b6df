package compiler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// TestOLAPGolden renders, for StarRocks and Doris, what Strata runs there for
// each of the bank's rollups — the aggregate-key table, a partition added and
// refreshed, the swap of a rebuilt table — and the state tables, and compares
// them with testdata/olap/<rollup>.<engine>.sql and state.<engine>.sql. No
// StarRocks or Doris runs here: the files are checked against the engines'
// documented syntax, construct by construct:
//
//   - Aggregate-key table, BITMAP column with BITMAP_UNION, DISTRIBUTED BY HASH:
//     https://docs.starrocks.io/docs/sql-reference/data-types/other-data-types/BITMAP
//     (CREATE TABLE … AGGREGATE KEY(…) … DISTRIBUTED BY HASH(…)) and
//     https://docs.starrocks.io/docs/sql-reference/sql-functions/aggregate-functions/bitmap
//     (bitmap_union(to_bitmap(x)) to load, bitmap_union_count to read);
//     Doris's aggregate model takes the same column form, BUCKETS AUTO for
//     automatic bucketing.
//   - HLL column with HLL_UNION for approximate distinct counts:
//     https://docs.starrocks.io/docs/sql-reference/data-types/other-data-types/HLL/
//     (hll_union(hll_hash(x)) to load, hll_union_agg to read).
//   - Doris' DATE_TRUNC(<datetime>, <time_unit>), value first:
//     https://doris.apache.org/docs/3.x/sql-manual/sql-functions/scalar-functions/date-time-functions/date-trunc
//     (the unit-first form is refused by the server: apache/doris-website#4108).
//   - CREATE TABLE column_definition `col_name col_type [agg_type] [NULL | NOT NULL]`,
//     PARTITION BY RANGE, distribution_desc:
//     https://docs.starrocks.io/docs/2.5/sql-reference/sql-statements/data-definition/CREATE_TABLE/
//   - ALTER TABLE … ADD PARTITION … VALUES [(lower), (upper)) (a left-closed range):
//     same CREATE_TABLE / ALTER_TABLE pages ("fixed range" partitions).
//   - INSERT OVERWRITE table PARTITION (p) (cols) query — the build reads only the raw rows of p's period — — temporary partitions built
//     and swapped in atomically:
//     https://docs.starrocks.io/docs/sql-reference/sql-statements/loading_unloading/INSERT/
//     and https://docs.starrocks.io/docs/loading/InsertInto; Doris:
//     INSERT OVERWRITE TABLE t PARTITION (p) [(cols)] query (its INSERT
//     OVERWRITE reference page).
//   - ALTER TABLE a SWAP WITH b (StarRocks; ALTER TABLE, "Swap" clause);
//     Doris: ALTER TABLE a REPLACE WITH TABLE b PROPERTIES('swap' = 'true')
//     (Doris "Replace Table": both tables exchanged atomically).
//   - State tables: StarRocks primary-key tables (PRIMARY KEY(…) DISTRIBUTED BY
//     HASH, BITMAP page above); Doris unique-key tables with
//     enable_unique_key_merge_on_write.
//   - Reading: bitmap_union_count(col) merges the stored sets exactly
//     (starrocks.sql goldens of compiler/testdata/rollup_*).
//   - Non-integer distinct keys: bitmap_hash is a 32-bit hash
//     (https://docs.starrocks.io/docs/sql-reference/sql-functions/bitmap-functions/bitmap_hash/),
//     so distinct values can collide; such measures are refused, not stored.
//
// Run: go test ./compiler -run TestOLAPGolden (-update rewrites them).
func TestOLAPGolden(t *testing.T) {
	cat := loadCatalog(t, bankProject)
	dir := filepath.Join("testdata", "olap")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name, got string) {
		t.Helper()
		path := filepath.Join(dir, name)
		got += "\n"
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if string(want) != got {
			t.Errorf("%s differs (run with -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
		}
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, engineType := range sqlgen.OLAPEngines {
		check("state."+engineType+".sql", strings.Join(sqlgen.OLAPStateDDL(engineType), ";\n\n")+";")
		for _, r := range rollup.Definitions(cat) {
			table := sqlgen.StateSchema + ".r_" + r.Name
			ddl, err := sqlgen.OLAPRollupTable(cat, r, engineType, table)
			if err != nil {
				t.Fatalf("%s on %s: %v", r.Name, engineType, err)
			}
			stmts := []string{"-- the rollup's table\n" + ddl}
			if r.TimeField != "" {
				_, add := sqlgen.OLAPPartition(r, table, start)
				refresh, err := sqlgen.OLAPRefreshPartition(cat, r, engineType, table, start)
				if err != nil {
					t.Fatal(err)
				}
				stmts = append(stmts, "-- a partition, added when missing, then rebuilt\n"+add, refresh)
			}
			stmts = append(stmts, "-- a full rebuild written to a new table, swapped in\n"+sqlgen.OLAPSwap(engineType, table, table+"_next"))
			check(r.Name+"."+engineType+".sql", strings.Join(stmts, ";\n\n")+";")
		}
	}
}

// TestOLAPRefusesHashedDistinct: a distinct count over a text field cannot be
// kept exactly in a BITMAP column (bitmap_hash collides), so its table is
// refused with the reason rather than built to give a low count.
func TestOLAPRefusesHashedDistinct(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"strata.yaml": "version: 1\nname: hashed\nmodels: [models/]\n",
		"models/m.yaml": `tables:
  - name: events
    kind: fact
    source: ods.events
    time: ts
    columns: { id: bigint, user_name: varchar, ts: timestamp }
metrics:
  - { name: users, agg: count_distinct, expr: events.user_name }
rollups:
  - name: daily
    metrics: [users]
    time: { field: events.ts, grain: day }
`,
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cat := loadCatalog(t, dir)
	r := rollup.Definitions(cat)[0]
	_, err := sqlgen.OLAPRollupTable(cat, r, "starrocks", "_strata.r_daily")
	if err == nil || !strings.Contains(err.Error(), "bitmap_hash") || !strings.Contains(err.Error(), "users") {
		t.Fatalf("err = %v, want a refusal naming the measure and the bitmap_hash caveat", err)
	}
}
