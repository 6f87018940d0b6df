package partition

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestListGlobAndHive(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, n int) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("data/txn/a.parquet", 3)
	write("data/txn/b.parquet", 5)
	write("data/txn/notes.txt", 1)
	write("data/hive/dt=2025-01-01/part-0.parquet", 7)
	write("data/hive/dt=2025-01-02/part-0.parquet", 9)
	write("data/hive/dt=2025-01-02/part-1.parquet", 11)

	got, err := List(dir, "data/txn/*.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || filepath.Base(got[0].Path) != "a.parquet" || got[1].Size != 5 {
		t.Fatalf("glob listed %+v", got)
	}
	got, err = List(dir, "data/hive/dt=*/")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Size != 11 || !Hive("data/hive/dt=*/") || Hive("data/txn/*.parquet") {
		t.Fatalf("hive listed %+v", got)
	}
	if got, err := List(dir, "data/empty/*.parquet"); err != nil || len(got) != 0 {
		t.Fatalf("empty pattern: %v %v", got, err)
	}
	if _, err := List(dir, "data/missing.parquet"); err == nil {
		t.Fatal("a missing single file is not reported")
	}
}

func TestDiff(t *testing.T) {
	mt := day("2025-06-01 00:00:00")
	f := func(path string, size int64, lo, hi string) File {
		return File{Path: path, Size: size, ModTime: mt, Min: day(lo), Max: day(hi), HasRange: true, Rows: 10}
	}
	built := []File{
		f("a", 1, "2025-01-01 00:10:00", "2025-01-01 23:59:00"),
		f("b", 1, "2025-01-02 00:00:00", "2025-01-02 12:00:00"),
		f("c", 1, "2025-01-03 00:00:00", "2025-01-03 12:00:00"),
	}
	cases := []struct {
		name string
		now  []File
		want []string
		all  bool
	}{
		{"nothing", built, nil, false},
		{"new file", append(append([]File{}, built...), f("d", 1, "2025-01-04 01:00:00", "2025-01-05 02:00:00")), []string{"2025-01-04", "2025-01-05"}, false},
		{"rewritten with late rows", []File{built[0], f("b", 2, "2024-12-31 23:00:00", "2025-01-02 12:00:00"), built[2]}, []string{"2024-12-31", "2025-01-01", "2025-01-02"}, false},
		{"removed", built[:2], []string{"2025-01-03"}, false},
		{"no statistics", []File{built[0], built[1], {Path: "c", Size: 9, ModTime: mt, Rows: 5}}, []string{"2025-01-03"}, true},
		{"empty file", append(append([]File{}, built...), File{Path: "e", Size: 1, ModTime: mt, HasRange: true}), nil, false},
	}
	for _, c := range cases {
		got := Diff("day", built, c.now)
		if got.All != c.all || fmt.Sprint(got.Sorted()) != fmt.Sprint(c.want) {
			t.Errorf("%s: got all=%v %v, want all=%v %v", c.name, got.All, got.Sorted(), c.all, c.want)
		}
	}
	if got := Diff("month", built, []File{built[0], built[1], f("c", 2, "2025-01-31 00:00:00", "2025-02-01 00:00:00")}).Sorted(); !reflect.DeepEqual(got, []string{"2025-01-01", "2025-02-01"}) {
		t.Errorf("month grain: %v", got)
	}
}

func TestLookbackAndCarry(t *testing.T) {
	now := day("2025-03-02 08:00:00")
	if got := Lookback("day", now, 2, "day"); !reflect.DeepEqual(got, []string{"2025-02-28", "2025-03-01", "2025-03-02"}) {
		t.Errorf("2 days back: %v", got)
	}
	if got := Lookback("month", now, 1, "month"); !reflect.DeepEqual(got, []string{"2025-02-01", "2025-03-01"}) {
		t.Errorf("1 month back: %v", got)
	}
	if got := Lookback("day", now, 0, "day"); got != nil {
		t.Errorf("no lookback: %v", got)
	}
	mt := now
	prev := []File{{Path: "a", Size: 1, ModTime: mt, Min: now, Max: now, HasRange: true, Rows: 3}, {Path: "b", Size: 1, ModTime: mt, HasRange: true, Rows: 1}}
	files := []File{{Path: "a", Size: 1, ModTime: mt}, {Path: "b", Size: 2, ModTime: mt}, {Path: "c", Size: 1, ModTime: mt}}
	need := Carry(files, prev)
	if !reflect.DeepEqual(need, []int{1, 2}) || !files[0].HasRange || files[0].Rows != 3 {
		t.Errorf("carry: need %v, files %+v", need, files)
	}
}

// The watermark is the newest time any file's statistics hold; files
// without a range, or holding only NULL times, say nothing.
func TestWatermark(t *testing.T) {
	a, b := day("2025-12-30 23:10:00"), day("2025-12-31 08:00:00")
	files := []File{
		{Path: "a", Min: a, Max: a, HasRange: true, Rows: 3},
		{Path: "b", Min: b, Max: b, HasRange: true, Rows: 2},
		{Path: "nulls", Min: day("2026-06-01 00:00:00"), Max: day("2026-06-01 00:00:00"), HasRange: true, Rows: 4, Nulls: 4, NullsKnown: true},
		{Path: "nostats", Rows: 9},
	}
	if got, ok := Watermark(files); !ok || !got.Equal(b) {
		t.Errorf("watermark %v %v, want %v", got, ok, b)
	}
	if _, ok := Watermark(files[3:]); ok {
		t.Error("a watermark from files without statistics")
	}
	if got := Lookback("month", b, 2, "day"); !reflect.DeepEqual(got, []string{"2025-12-01"}) {
		t.Errorf("2 days back from the watermark: %v", got)
	}
}
