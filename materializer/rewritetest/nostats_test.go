package rewritetest

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine/duckdb"
)

// A file written without column statistics has no time range in its
// footer. Late rows for an old month (far outside any lookback) landing in
// such a file must still reach that month: its range is read from its rows,
// once, so the rollup answers with that month read raw (txn_daily+tail) and
// the refresh rebuilds only the partitions the rows fall in. Every answer
// equals the raw SQL over the files.
func TestFileWithoutStatisticsStaysExact(t *testing.T) {
	lb := newLakeBank(t, "no-stats")
	const pattern = "data/transactions/*.parquet"
	g := newQueryGen(rand.New(rand.NewPCG(31, 32)), facts)
	lb.checkTotalsAgainstRaw(pattern, "txn_daily")
	// The partitions inside the rollup's lookback, which every refresh
	// rebuilds whatever changed.
	first := lb.partitions("txn_daily")
	lb.refresh("txn_daily")
	lookback := map[string]bool{}
	for k, p := range lb.partitions("txn_daily") {
		if !p.BuiltAt.Equal(first[k].BuiltAt) {
			lookback[k] = true
		}
	}

	old := lb.cut.AddDate(0, -5, 0)
	month := time.Date(old.Year(), old.Month(), 1, 0, 0, 0, 0, time.UTC)
	lb.write("late-nostats.parquet", month, month.AddDate(0, 1, 0), "status = 'posted'")
	path := filepath.Join(lb.dir, "data", "transactions", "late-nostats.parquet")
	rewriteWithoutStats(t, path, "")

	// The file really keeps no statistics of the time column.
	res, err := lb.db.Query(context.Background(), "SELECT COUNT(*), COUNT(stats_min_value), COUNT(stats_max_value) FROM parquet_metadata("+duckdb.QuoteString(path)+") WHERE path_in_schema = 'txn_time'")
	if err != nil {
		t.Fatal(err)
	}
	if groups := res.Rows[0][0].(int64); groups < 2 || res.Rows[0][1].(int64) != 0 || res.Rows[0][2].(int64) != 0 {
		t.Fatalf("the rewritten file's row groups, with min, with max: %v", res.Rows[0])
	}

	before := lb.partitions("txn_daily")
	if got := lb.servedBy(allHistory); got != "txn_daily+tail" {
		t.Errorf("right after a file without statistics landed: served by %s, want txn_daily+tail", got)
	}
	runDiff(t, lb.w, g, 30, 0.3)

	lb.refresh("txn_daily")
	after := lb.partitions("txn_daily")
	// The UTC month reaches two local (Asia/Shanghai) months.
	touched := map[string]bool{month.Format(time.DateOnly): true, month.AddDate(0, 1, 0).Format(time.DateOnly): true}
	rebuilt := 0
	for k, p := range before {
		if touched[k] {
			if p.BuiltAt.Equal(after[k].BuiltAt) {
				t.Errorf("partition %s holds the late rows but was not rebuilt", k)
			}
			rebuilt++
		}
	}
	mayChange := map[string]bool{}
	for k := range touched {
		mayChange[k] = true
	}
	for k := range lookback {
		mayChange[k] = true
	}
	checkKeptBuilds(t, before, after, mayChange, "the file holds none of its rows")
	if rebuilt != 2 {
		t.Errorf("%d of the two touched partitions were stored before", rebuilt)
	}
	lb.checkTotalsAgainstRaw(pattern, "txn_daily")
	runDiff(t, lb.w, g, 30, 0.3)
}
