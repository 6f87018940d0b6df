package mysqlwire_test

import (
	"context"
	"sort"
	"testing"
	"time"
)

// benchQuery is served by the txn_daily rollup; benchDuckDB is the same
// answer hand-written over the raw tables, run by DuckDB in the same process.
const (
	benchQuery  = "SELECT channels.name, txn_amount, txn_count FROM transactions WHERE channels.name IN ('mobile', 'web') GROUP BY 1 ORDER BY 1"
	benchDuckDB = `SELECT c.name, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id)
FROM transactions t LEFT JOIN channels c ON t.channel_id = c.channel_id
WHERE c.name IN ('mobile', 'web') GROUP BY 1 ORDER BY 1`
)

// BenchmarkMySQLRollup times a rollup-served query through the listener with
// go-sql-driver/mysql (connection reused, text protocol), reporting the p50
// (target ≤ 2 ms) and its ratio to DuckDB running hand-written SQL over the
// raw tables in the same run.
//
//	go test ./api/mysqlwire -run '^$' -bench MySQLRollup -benchtime 500x
func BenchmarkMySQLRollup(b *testing.B) {
	want, by := expected(&testing.T{}, form{name: "bench", json: `{"metrics":["txn_amount","txn_count"],"dimensions":["channels.name"],"where":"channels.name IN ('mobile','web')","order":["channels.name"]}`}, false)
	if by == "raw" || len(want) == 0 {
		b.Fatalf("the benchmark query is served by %s with %d rows; it must hit a rollup", by, len(want))
	}
	db := open(b, "")
	db.SetMaxIdleConns(1)
	ctx := context.Background()
	p50 := func(ds []time.Duration) float64 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	var wire, duck []time.Duration
	for b.Loop() {
		start := time.Now()
		rows, err := db.QueryContext(ctx, benchQuery)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		wire = append(wire, time.Since(start))
		if n != len(want) {
			b.Fatalf("%d rows, want %d", n, len(want))
		}
		start = time.Now()
		if _, err := wh.Engine.Query(ctx, benchDuckDB); err != nil {
			b.Fatal(err)
		}
		duck = append(duck, time.Since(start))
	}
	w, d := p50(wire), p50(duck)
	b.ReportMetric(w, "p50-ms")
	b.ReportMetric(d, "duckdb-p50-ms")
	b.ReportMetric(d/w, "x-duckdb")
}
