package materializer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/service"
)

// TestIngestIntoAnEngineTable appends rows to a fact held by the engine
// (source: the table itself): one INSERT transaction, in the raw answer at
// once; on DuckDB the day rollup serves them through its tail (the table's
// partition fingerprints), on every engine the rollup answer equals the raw
// one before and after the refresh, and a bad row appends nothing.
func TestIngestIntoAnEngineTable(t *testing.T) {
	for _, e := range enginetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			w, _ := engineBank(t, e, nil)
			if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
				t.Fatalf("refresh: %v %+v", err, res)
			}
			q := plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"transactions.txn_time.month", "channels.name"},
				Order: []string{"transactions.txn_time.month", "channels.name"}}
			answer := func(noRollup bool) *service.Result {
				t.Helper()
				q := q
				q.NoRollup = noRollup
				res, err := w.Query(ctx, &q)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			before := fmt.Sprint(answer(true).Rows)
			rows := `{"txn_id": 70000001, "account_id": 1, "customer_id": 5, "channel_id": 2, "amount": 12.34, "status": "posted", "txn_time": "2025-03-03 10:00:00", "value_date": "2025-03-03"}
{"txn_id": 70000002, "account_id": 1, "customer_id": 6, "channel_id": 2, "amount": "0.66", "status": "posted", "txn_time": "2025-03-04T02:00:00+08:00"}
`
			if _, err := w.Ingest(ctx, "transactions", service.IngestJSONLines, strings.NewReader(rows+`{"channel_id": "x"}`)); err == nil {
				t.Fatal("a bad row was appended")
			}
			if fmt.Sprint(answer(true).Rows) != before {
				t.Fatal("a refused append changed the table")
			}
			if res, err := w.Ingest(ctx, "transactions", service.IngestJSONLines, strings.NewReader(rows)); err != nil || res.Rows != 2 {
				t.Fatalf("append: %v %+v", err, res)
			}
			raw := answer(true)
			if fmt.Sprint(raw.Rows) == before {
				t.Fatal("the appended rows are not in the raw answer")
			}
			served := answer(false)
			if fmt.Sprint(served.Rows) != fmt.Sprint(raw.Rows) {
				t.Errorf("served by %s, not the raw answer:\n%v\n%v", served.Meta.ServedBy, served.Rows, raw.Rows)
			}
			if e.Name == "duckdb" && served.Meta.ServedBy != "txn_daily+tail" {
				t.Errorf("on DuckDB served by %s, want txn_daily+tail", served.Meta.ServedBy)
			}
			if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
				t.Fatalf("refresh: %v %+v", err, res)
			}
			if served = answer(false); served.Meta.ServedBy != "txn_daily" || fmt.Sprint(served.Rows) != fmt.Sprint(raw.Rows) {
				t.Errorf("after the refresh: served by %s, equal to raw %v", served.Meta.ServedBy, fmt.Sprint(served.Rows) == fmt.Sprint(raw.Rows))
			}
		})
	}
}
