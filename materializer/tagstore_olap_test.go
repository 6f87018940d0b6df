package materializer_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
)

// TestOLAPTagStoreGolden records every statement a tag build sends to a
// StarRocks or Doris cluster and compares the sequence with
// testdata/olap/<engine>/tags_<scenario>.sql: a first build of a boolean
// tag whose ids take two load statements, a rebuild of a categorical tag
// (one value empty) that drops the previous version, and a failed load
// (the new table dropped, the error recorded in a row keeping the previous
// version). tags_read.sql holds the read of a version.
//
// Each construct, checked against the engines' documentation:
//   - the state table: a primary-key table on StarRocks, a merge-on-write
//     unique-key table on Doris (as for rollups, TestOLAPRefreshGolden); an
//     INSERT replaces the row of its name, so a swap is one INSERT and a
//     failure writes the whole row.
//   - a version: CREATE TABLE … (`value` VARCHAR NOT NULL, `bitmap` BITMAP
//     BITMAP_UNION) AGGREGATE KEY(`value`) DISTRIBUTED BY HASH(`value`)
//     (Doris: BUCKETS AUTO) — the aggregate model with a BITMAP_UNION column,
//     https://docs.starrocks.io/docs/sql-reference/sql-functions/aggregate-functions/bitmap,
//     https://doris.apache.org/docs/table-design/data-model/aggregate.
//   - loading: INSERT … VALUES (?, bitmap_from_string(?)) with ids separated
//     by commas ("0, 1, 2" sets bits 0, 1 and 2; StarRocks takes UINT64,
//     Doris UINT32 — entity ids are uint32) and bitmap_empty() for a value
//     without ids: the bitmap_from_string and bitmap_empty pages.
//   - reading: bitmap_to_string(bitmap_union(`bitmap`)) … GROUP BY `value`:
//     the ids separated by commas, an empty string for an empty bitmap
//     (the bitmap_to_string page's examples), parsed by DecodeTagBitmap.
//   - no DDL inside a transaction on either engine: statements one at a time.
//
// Run: go test ./materializer -run TestOLAPTagStoreGolden (-update rewrites them).
func TestOLAPTagStoreGolden(t *testing.T) {
	cat := bankOnEngineTables(t)
	defs, err := audience.Definitions(cat)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*audience.TagDef{}
	for _, d := range defs {
		byName[d.Tag.Name] = d
	}
	hv, seg := byName["high_value"], byName["segment"]
	if hv == nil || seg == nil {
		t.Fatal("the bank model should have the tags high_value and segment")
	}
	stamp := regexp.MustCompile(`_\d{19}\b`)
	asOfNow := regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)
	for _, engineType := range sqlgen.OLAPEngines {
		d, err := sqlgen.ForEngine(engineType)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range []struct {
			name, about string
			def         *audience.TagDef
			sets        map[string]*roaring.Bitmap
			prev        string // the previous version's table
			failOn      string
		}{
			{name: "first_build", about: "a boolean tag's first build: its five ids loaded two at a time into one BITMAP, the state row written",
				def: hv, sets: map[string]*roaring.Bitmap{"": roaring.BitmapOf(100001, 100002, 100007, 4294967295, 100003)}},
			{name: "rebuild", about: "a categorical tag rebuilt: a key per value (one without ids), the state row moved, the previous version dropped",
				def: seg, prev: "_strata.t_segment_0ldhash0_17000",
				sets: map[string]*roaring.Bitmap{"mass": roaring.BitmapOf(100001, 100004), "private": roaring.BitmapOf(100002), "staff": roaring.New()}},
			{name: "failed_load", about: "a load fails: the new version is dropped and the error recorded in a row that keeps the previous version",
				def: seg, prev: "_strata.t_segment_0ldhash0_17000", failOn: "INSERT INTO `_strata`.`t_segment",
				sets: map[string]*roaring.Bitmap{"mass": roaring.BitmapOf(100001)}},
		} {
			t.Run(engineType+"/"+sc.name, func(t *testing.T) {
				rec := newRecorder(t, cat, d, olapScenario{failOn: sc.failOn})
				rec.answers[sqlgen.TagStateSelect(d)] = func() [][]any {
					if sc.prev == "" {
						return nil
					}
					return [][]any{{sc.def.Tag.Name, sc.prev, "0ldhash0", "2025-04-01T02:00:00Z", fixedTime, 12.5, int64(3), int64(2), int64(48), ""}}
				}
				m := materializer.New(cat, rec, d)
				for _, q := range sqlgen.TagStateDDL(d) {
					if err := rec.Exec(context.Background(), q); err != nil {
						t.Fatal(err)
					}
				}
				res := m.WriteTagForTest(context.Background(), sc.def, sc.sets, 2)
				if (res.Err != nil) != (sc.failOn != "") {
					t.Errorf("build error %v", res.Err)
				}
				log := stamp.ReplaceAllString(strings.Join(rec.log, "\n\n"), "_<now>")
				// A tag without a time of its own is as of its build.
				log = asOfNow.ReplaceAllStringFunc(log, func(s string) string {
					if s == `"2025-04-01T02:00:00Z"` {
						return s
					}
					return "<now>"
				})
				checkOLAPGolden(t, filepath.Join("testdata", "olap", engineType, "tags_"+sc.name+".sql"), "-- tag build: "+sc.about+"\n\n"+log+"\n")
			})
		}
		t.Run(engineType+"/read", func(t *testing.T) {
			checkOLAPGolden(t, filepath.Join("testdata", "olap", engineType, "tags_read.sql"),
				"-- the read of a tag version\n\n"+sqlgen.TagTableRead(d, "_strata.t_segment_0ldhash0_17000")+";\n")
		})
	}
}

// TestDecodeTagBitmap reads bitmaps in the text bitmap_to_string returns
// (the StarRocks page's examples: "" for an empty bitmap, "1", "1,2"), as
// the driver hands it over (text or bytes), and refuses what is not a set
// of entity ids, naming the byte.
func TestDecodeTagBitmap(t *testing.T) {
	sr, _ := sqlgen.ForEngine(model.EngineStarRocks)
	for _, c := range []struct {
		in   any
		want []uint32
	}{
		{"", nil},
		{"1", []uint32{1}},
		{"1,2", []uint32{1, 2}},
		{[]byte("0,1,2,3"), []uint32{0, 1, 2, 3}},
		{"7,100000,4294967295", []uint32{7, 100000, 4294967295}},
	} {
		bm, err := materializer.DecodeTagBitmap(sr, c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := bm.ToArray(); len(got) != len(c.want) || (len(got) > 0 && !roaring.BitmapOf(c.want...).Equals(bm)) {
			t.Errorf("%q: %v, want %v", c.in, got, c.want)
		}
	}
	// A large set round-trips through the text the build loads.
	big := roaring.New()
	big.AddRange(100001, 300001)
	big.Add(4000000000)
	var b strings.Builder
	for i, id := range big.ToArray() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(id), 10))
	}
	got, err := materializer.DecodeTagBitmap(sr, b.String())
	if err != nil || !got.Equals(big) {
		t.Errorf("a set of %d ids does not round-trip: %v", big.GetCardinality(), err)
	}
	for in, want := range map[any]string{
		"1,,2":       "an empty id at byte 2",
		"1,2,":       "an empty id at byte 4",
		"1,x":        `id "x" at byte 2 is not a number`,
		"4294967296": "id 4294967296 at byte 0 is beyond the entity ids",
		"-1":         `id "-1" at byte 0 is not a number`,
		nil:          "the bitmap is NULL",
		int64(3):     "a bitmap read as int64, not text",
	} {
		_, err := materializer.DecodeTagBitmap(sr, in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: error %v, want %q", in, err, want)
		}
	}
}
