package partition_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/materializer/partition"
)

// The files a source's fingerprint lists must be the files DuckDB reads for
// it, or a change to an unlisted file goes unseen and the rollup answers
// without it. DuckDB's own glob() is the oracle, over a lake holding nested
// hive directories, hidden and underscore files, marker files and a
// symbolic link, for every pattern shape a source may take.
func TestListMatchesDuckDBGlob(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{
		"txn/a.parquet", "txn/.hidden.parquet", "txn/_tmp.parquet", "txn/notes.txt",
		"txn/year=2024/month=01/part-0.parquet", "txn/year=2024/month=01/_SUCCESS",
		"txn/year=2024/month=01/.part-0.parquet.crc", "txn/year=2024/month=02/part-0.parquet",
		"txn/year=2025/part-9.parquet", "txn/.staging/x/part-1.parquet", "txn/_temporary/0/part-2.parquet",
		"other/b.parquet",
	} {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "other"), filepath.Join(dir, "txn", "linked")); err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, pattern := range []string{
		"txn/*.parquet", "txn/**/*.parquet", "txn/**", "txn/**/part-*.parquet",
		"txn/year=*/month=*/*.parquet", "txn/year=2024/**/*.parquet", "txn/**/month=0[12]/*.parquet",
		"txn/*/*.parquet", "**/b.parquet", "txn/**/**/*.parquet", "txn/none/**/*.parquet",
	} {
		res, err := db.Query(context.Background(), "SELECT file FROM glob(?) ORDER BY file", filepath.Join(dir, pattern))
		if err != nil {
			// What DuckDB refuses to read, the listing refuses too.
			if _, lerr := partition.List(dir, pattern); lerr == nil {
				t.Errorf("%s: DuckDB refuses it (%v), the listing does not", pattern, err)
			}
			continue
		}
		var want []string
		for _, r := range res.Rows {
			want = append(want, r[0].(string))
		}
		files, err := partition.List(dir, pattern)
		if err != nil {
			t.Fatalf("%s: %v", pattern, err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Path)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: listed %v, DuckDB reads %v", pattern, got, want)
		}
	}
}
