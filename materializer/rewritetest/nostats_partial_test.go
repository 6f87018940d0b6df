package rewritetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/duckdb"
)

// readLakeFile reads a parquet file whole with arrow-go.
func readLakeFile(t *testing.T, path string) arrow.Table {
	t.Helper()
	rd, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	fr, err := pqarrow.NewFileReader(rd, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// replaceFile moves the rewritten tmp over path, its mtime moved on, as a
// writer replacing a file does.
func replaceFile(t *testing.T, tmp, path string) {
	t.Helper()
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
}

// rewriteWithoutStats rewrites a lake file with arrow-go, in row groups of
// 50 rows, without statistics: for every column (column "") or for the
// named one only. The mtime moves on, as a writer replacing a file does.
func rewriteWithoutStats(t *testing.T, path, column string) {
	t.Helper()
	tbl := readLakeFile(t, path)
	defer tbl.Release()
	opts := []parquet.WriterProperty{parquet.WithMaxRowGroupLength(50)}
	if column == "" {
		opts = append(opts, parquet.WithStats(false))
	} else {
		opts = append(opts, parquet.WithStats(true), parquet.WithStatsFor(column, false))
	}
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if err := pqarrow.WriteTable(tbl, out, 50, parquet.NewWriterProperties(opts...), pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	replaceFile(t, tmp, path)
}

// rewriteWithSomeStats rewrites a lake file in row groups of 20 rows, only
// every third of which records statistics, never the last one (as a writer changing its
// settings mid-file, or merging files, leaves them): the properties the
// writer holds are swapped between row groups.
func rewriteWithSomeStats(t *testing.T, path string) {
	t.Helper()
	tbl := readLakeFile(t, path)
	defer tbl.Release()
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(20))
	with, without := *parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(20)), *parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(20), parquet.WithStats(false))
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	fw, err := pqarrow.NewFileWriter(tbl.Schema(), out, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	tr := array.NewTableReader(tbl, 20)
	defer tr.Release()
	groups := (tbl.NumRows() + 19) / 20
	for i := int64(0); tr.Next(); i++ {
		if i%3 == 1 && i < groups-1 {
			*props = with
		} else {
			*props = without
		}
		if err := fw.Write(tr.RecordBatch()); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	replaceFile(t, tmp, path)
}

// checkSomeStats: some row groups of the file, not all, bound txn_time.
func (lb *lakeBank) checkSomeStats(path string) {
	lb.t.Helper()
	res, err := lb.db.Query(context.Background(), fmt.Sprintf("SELECT COUNT(*), COUNT(stats_min_value) FROM parquet_metadata(%s) WHERE path_in_schema = 'txn_time'", duckdb.QuoteString(path)))
	if err != nil {
		lb.t.Fatal(err)
	}
	if n, s := toF(res.Rows[0][0]), toF(res.Rows[0][1]); s == 0 || s >= n {
		lb.t.Fatalf("%s: %v row groups, %v with a txn_time minimum; want some, not all", path, n, s)
	}
}

// checkNoStats: the file really has row groups and no min/max of txn_time.
func (lb *lakeBank) checkNoStats(path string) {
	lb.t.Helper()
	res, err := lb.db.Query(context.Background(), fmt.Sprintf("SELECT COUNT(*), COUNT(stats_min_value) FROM parquet_metadata(%s) WHERE path_in_schema = 'txn_time'", duckdb.QuoteString(path)))
	if err != nil {
		lb.t.Fatal(err)
	}
	if n, s := toF(res.Rows[0][0]), toF(res.Rows[0][1]); n < 2 || s != 0 {
		lb.t.Fatalf("%s: %v row groups, %v with a txn_time minimum; want several, none", path, n, s)
	}
}

func toF(v any) float64 {
	var f float64
	fmt.Sscan(fmt.Sprint(v), &f)
	return f
}

// checkTotals compares the served totals with hand-written SQL over the
// raw lake files, run by DuckDB itself.
func (lb *lakeBank) checkTotals(step string) {
	lb.t.Helper()
	ctx := context.Background()
	q := plan.Query{Metrics: []string{"txn_amount", "txn_count"}}
	got, err := lb.w.Query(ctx, &q)
	if err != nil {
		lb.t.Fatal(err)
	}
	glob := filepath.Join(lb.dir, "data", "transactions", "*.parquet")
	want, err := lb.db.Query(ctx, fmt.Sprintf("SELECT SUM(amount) FILTER (WHERE status = 'posted'), COUNT(txn_id) FROM read_parquet(%s)", duckdb.QuoteString(glob)))
	if err != nil {
		lb.t.Fatal(err)
	}
	if len(got.Rows) != 1 {
		lb.t.Fatalf("%s: %d rows", step, len(got.Rows))
	}
	for i := range 2 {
		g, w := toF(got.Rows[0][i]), toF(want.Rows[0][i])
		if math.Abs(g-w) > 1e-6*math.Max(1, math.Abs(w)) {
			lb.t.Errorf("%s (served by %s): column %d is %v, raw SQL says %v", step, got.Meta.ServedBy, i, g, w)
		}
	}
}

// checkTailThenRefresh: after a change the rollup answers with a tail and
// exactly (the totals against hand-written SQL, generated queries against
// raw), and again after every rollup is refreshed.
func (lb *lakeBank) checkTailThenRefresh(g *queryGen, step string) {
	lb.t.Helper()
	if got := lb.servedBy(allHistory); got != "txn_daily+tail" {
		lb.t.Fatalf("%s: served by %s, want txn_daily+tail", step, got)
	}
	lb.checkTotals(step + ", tail")
	runDiff(lb.t, lb.w, g, 30, 0.3)
	lb.refresh()
	lb.checkTotals(step + ", after the refresh")
	runDiff(lb.t, lb.w, g, 30, 0.3)
}

// Files whose writer recorded no statistics of the time column: their
// range is read from their rows (a min/max over the one file), so an added
// no-statistics file touches only its own partitions, not every one, and a
// rewritten one or one with late rows keeps the tail and the refresh exact.
func TestFilesWithoutStatisticsStayExact(t *testing.T) {
	lb := newLakeBank(t, "nostats")
	g := newQueryGen(rand.New(rand.NewPCG(21, 22)), facts)
	dir := filepath.Join(lb.dir, "data", "transactions")
	lb.checkTotals("first build")
	before := lb.partitions("txn_daily")

	// 1. A new file without any statistics lands: the newest days.
	lb.write("new-1.parquet", lb.cut, lb.cut.AddDate(0, 0, 5), "")
	rewriteWithoutStats(t, filepath.Join(dir, "new-1.parquet"), "")
	lb.checkNoStats(filepath.Join(dir, "new-1.parquet"))
	if got := lb.servedBy(allHistory); got != "txn_daily+tail" {
		t.Fatalf("after a new file landed: served by %s, want txn_daily+tail", got)
	}
	lb.checkTotals("new no-stats file, tail")
	runDiff(t, lb.w, g, 30, 0.3)

	// Its range is known: the refresh rebuilds only the partitions it holds.
	lb.refresh("txn_daily")
	after := lb.partitions("txn_daily")
	checkKeptBuilds(t, before, after, monthsOfDays(lb.cut, 6), "the new file holds none of its rows")
	if got := lb.servedBy(allHistory); got != "txn_daily" {
		t.Fatalf("after the refresh: served by %s", got)
	}
	lb.checkTotals("after refresh 1")

	// 2. An old month is rewritten (pending rows dropped) without statistics
	// of txn_time only, and late rows land in a file without any.
	first := lb.cut.AddDate(0, -3, 0)
	month := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	name := month.Format("2006-01") + ".parquet"
	lb.write(name, month, month.AddDate(0, 1, 0), "status <> 'pending'")
	rewriteWithoutStats(t, filepath.Join(dir, name), "txn_time")
	lb.checkNoStats(filepath.Join(dir, name))
	lb.write("late.parquet", lb.cut.AddDate(0, 0, 5), lb.last.Add(time.Second), "")
	rewriteWithoutStats(t, filepath.Join(dir, "late.parquet"), "")
	lb.checkTailThenRefresh(g, "rewrite and late rows")

	// 3. Late rows for an old month's last three days land in a new file
	// with statistics in some row groups only, not in its last one, which
	// holds the hours that are the next month in local time: the file's
	// range must span every row group's rows, not only those the
	// statistics bound, or the tail and the refresh miss that partition.
	month = month.AddDate(0, 1, 0)
	end := month.AddDate(0, 1, 0)
	name = "late-partial.parquet"
	lb.write(name, end.AddDate(0, 0, -3), end, "")
	rewriteWithSomeStats(t, filepath.Join(dir, name))
	lb.checkSomeStats(filepath.Join(dir, name))
	lb.checkTailThenRefresh(g, "partial statistics")
}
