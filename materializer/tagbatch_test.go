package materializer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
)

// batchModel puts a tag that fails in the engine (a cast of the segment
// names to integers) in the same packed scan as good tags, and a behaviour
// tag over a metric that fails in the same aggregation as a good one.
const batchModel = `metrics:
  - name: status_number
    agg: sum
    expr: CAST(transactions.status AS SIGNED)
tags:
  - name: bad_cast
    entity: customers
    where: CAST(customers.segment AS SIGNED) > 0
  - name: rich
    entity: customers
    where: customers.aum >= 500000
  - name: seg
    entity: customers
    value: customers.segment
  - name: bad_behaviour
    entity: customers
    where_metric: { metric: status_number, window: 90 days, op: ">", value: 0 }
  - name: busy
    entity: customers
    where_metric: { metric: txn_count, window: 90 days, op: ">=", value: 2 }
`

// TestTagBatchFailsAlone checks that a tag failing inside a batch fails
// alone: the batch falls back to one build per tag, the good tags are built
// with the members hand-written SQL gives, and the bad ones carry an error
// naming neither a panic nor a half-written version.
func TestTagBatchFailsAlone(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(testRoot, "tagbatch")
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "batch.yaml"), []byte(batchModel), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 3000, Customers: 400, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := w.Materializer()
	res, err := m.RefreshTags(ctx, []string{"bad_cast", "rich", "seg", "bad_behaviour", "busy"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]materializer.TagResult{}
	for _, r := range res {
		got[r.Name] = r
	}
	for _, bad := range []string{"bad_cast", "bad_behaviour"} {
		r, ok := got[bad]
		t.Logf("%s: %v", bad, r.Err)
		if !ok || r.Err == nil {
			t.Errorf("%s: built without error: %+v", bad, r)
		}
	}
	count := func(q string) int64 {
		r, err := w.Engine.Query(ctx, q)
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		return r.Rows[0][0].(int64)
	}
	want := map[string]int64{
		materializer.PopulationName("customers"): count("SELECT COUNT(*) FROM customers"),
		"rich":                                   count("SELECT COUNT(*) FROM customers WHERE aum >= 500000"),
		"seg":                                    count("SELECT COUNT(*) FROM customers WHERE segment IS NOT NULL"),
		"busy": count(`SELECT COUNT(*) FROM (SELECT t.customer_id FROM transactions t JOIN customers c ON c.customer_id = t.customer_id
WHERE ((t.txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') > (SELECT MAX((txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') FROM transactions) - INTERVAL 90 DAY
GROUP BY 1 HAVING COUNT(*) >= 2)`),
	}
	for name, n := range want {
		r := got[name]
		if r.Err != nil || r.Members != n {
			t.Errorf("%s: %d members, error %v; hand-written %d", name, r.Members, r.Err, n)
		}
		if n == 0 {
			t.Errorf("%s: the hand-written count is zero; the test data selects nothing", name)
		}
	}
	st, err := materializer.ReadTagStates(ctx, w.Engine, w.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"bad_cast", "bad_behaviour"} {
		if s := st[bad]; s.Table != "" || s.LastError == "" {
			t.Errorf("%s: state %+v; want no version and the error recorded", bad, s)
		}
	}
}
