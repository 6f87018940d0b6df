package materializer_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/materializer/partition"
)

// A fact held by the engine (source: the table itself) has per-partition
// fingerprints — row count and newest time per partition, one GROUP BY —
// that match a hand-written count, and change exactly for the partitions
// whose rows change: rows deleted from one old month, rows added to
// another. The refresh then rebuilds those two partitions (and those inside
// lookback of the newest time) and keeps every other as built, and the
// rollup answers what the raw table answers. On DuckDB always, on MariaDB
// with STRATA_TEST_MYSQL_DSN (see engine/enginetest), where partitioned
// rollups are built whole and the fingerprints are what is checked.
//
// One engine: go test ./materializer -run 'TestEngineTablePartitions/mariadb'
func TestEngineTablePartitions(t *testing.T) {
	for _, e := range enginetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			w, d := engineBank(t, e, nil)
			dir := w.Project.Dir
			refresh := func() {
				t.Helper()
				res, err := w.Refresh(ctx, []string{"txn_daily"}, nil)
				if err != nil || res[0].Err != nil {
					t.Fatalf("refresh: %v %+v", err, res)
				}
			}
			parts := func() map[string]materializer.PartitionState {
				t.Helper()
				ps, err := w.Materializer().Partitions(ctx, "txn_daily")
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]materializer.PartitionState{}
				for _, p := range ps {
					out[p.Key] = p
				}
				return out
			}
			q := plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"transactions.txn_time.month", "channels.name"},
				Order: []string{"transactions.txn_time.month", "channels.name"}}
			exact := func(when string) {
				t.Helper()
				raw := q
				raw.NoRollup = true
				got, err := w.Query(ctx, &q)
				if err != nil {
					t.Fatal(err)
				}
				want, err := w.Query(ctx, &raw)
				if err != nil {
					t.Fatal(err)
				}
				if got.Meta.ServedBy != "txn_daily" || fmt.Sprint(got.Rows) != fmt.Sprint(want.Rows) {
					t.Fatalf("%s: served by %s, equal to raw: %v", when, got.Meta.ServedBy, fmt.Sprint(got.Rows) == fmt.Sprint(want.Rows))
				}
			}

			// The fingerprints: one entry per local month, counting the rows
			// a hand-written GROUP BY on DuckDB over the parquet file counts.
			fps := func() map[string]partition.File {
				t.Helper()
				files, err := w.Materializer().SourcePartitions(ctx, "txn_daily")
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]partition.File{}
				for _, f := range files {
					out[f.Path] = f
				}
				return out
			}
			before := fps()
			oracle, err := oracleCounts(ctx, filepath.Join(dir, "data", "transactions.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			if len(before) != len(oracle) {
				t.Errorf("%d partition fingerprints, %d months in the data", len(before), len(oracle))
			}
			for k, n := range oracle {
				if f := before["transactions#"+k]; f.Rows != n || f.Size != n || !f.HasRange || f.Max.Format("2006-01") != k[:7] {
					t.Errorf("partition %s: fingerprint %+v, want %d rows", k, f, n)
				}
			}

			refresh()
			built := parts()
			if d.SetColumns() && len(built) < 12 {
				t.Fatalf("txn_daily has %d partitions", len(built))
			}
			exact("after the first build")

			// Two old months change: rows deleted from one, rows added to
			// another (copies with new ids). UTC times two days inside each
			// month stay in that local (Asia/Shanghai) month.
			edit := func(sql string) {
				t.Helper()
				if err := e.Engine.Exec(ctx, sql); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			edit("DELETE FROM transactions WHERE txn_time >= '2024-03-03 00:00:00' AND txn_time < '2024-03-10 00:00:00'")
			edit("INSERT INTO transactions (txn_id, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date) " +
				"SELECT txn_id + 100000000, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date " +
				"FROM transactions WHERE txn_time >= '2024-07-03 00:00:00' AND txn_time < '2024-07-10 00:00:00'")
			changed := map[string]bool{}
			for k, f := range fps() {
				if !f.Same(before[k]) {
					changed[k] = true
				}
			}
			if len(changed) != 2 || !changed["transactions#2024-03-01"] || !changed["transactions#2024-07-01"] {
				t.Errorf("the fingerprints changed for %v, want the two months edited", changed)
			}
			refresh()
			exact("after the refresh")
			if !d.SetColumns() {
				// Partitioned builds keep distinct sets as columns; an engine
				// without them rebuilds the whole rollup (materializer.build).
				t.Logf("%s: partitioned rollups are built whole; the fingerprints only are checked", e.Name)
				return
			}
			after := parts()
			newest := ""
			for k := range after {
				if k != "null" && k > newest {
					newest = k
				}
			}
			for k, p := range built {
				edited := k == "2024-03-01" || k == "2024-07-01"
				rebuilt := !p.BuiltAt.Equal(after[k].BuiltAt)
				if edited && !rebuilt {
					t.Errorf("partition %s changed in the table and was not rebuilt", k)
				}
				if !edited && rebuilt && k != newest {
					t.Errorf("partition %s did not change and was rebuilt", k)
				}
			}
			if after["2024-03-01"].Rows == built["2024-03-01"].Rows && after["2024-07-01"].Rows == built["2024-07-01"].Rows {
				t.Errorf("the rebuilt partitions hold the rows they held: %+v %+v", after["2024-03-01"], after["2024-07-01"])
			}
		})
	}
}

// oracleCounts counts the transactions per local (Asia/Shanghai) month with
// hand-written SQL on DuckDB over the parquet file.
func oracleCounts(ctx context.Context, file string) (map[string]int64, error) {
	db, err := duckdb.Open("", 1)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	res, err := db.Query(ctx, "SELECT strftime(date_trunc('month', timezone('Asia/Shanghai', timezone('UTC', txn_time))), '%Y-%m-%d'), COUNT(*) FROM read_parquet("+duckdb.QuoteString(file)+") GROUP BY 1")
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range res.Rows {
		out[r[0].(string)] = r[1].(int64)
	}
	return out, nil
}
