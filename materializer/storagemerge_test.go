package materializer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/internal/banktest"
)

// TestStorageMergeBuildsCoarserSets builds a month-by-segment table from the
// day rollup txn_daily's rows with sqlgen.StorageMerge — bitmaps of integer
// keys unioned, lists of values flattened, sums added — then counts its sets
// per segment and year (a second merge) and compares every measure with the
// raw answer: what building a rollup from a finer one must give.
func TestStorageMergeBuildsCoarserSets(t *testing.T) {
	w := oracleWarehouse(t)
	ctx := context.Background()
	if _, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil {
		t.Fatal(err)
	}
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var table string
	for _, s := range st {
		if s.Name == "txn_daily" {
			table = s.Table
		}
	}
	var def *rollup.Rollup
	for _, r := range rollup.Definitions(w.Catalog) {
		if r.Name == "txn_daily" {
			def = r
		}
	}
	if table == "" || def == nil {
		t.Fatal("txn_daily was not built")
	}
	d := w.Dialect
	q := d.QuoteIdent
	names := []string{"active_customers", "approx_customers", "txn_amount"}
	var merged, counted []string
	for _, name := range names {
		m := def.Measure(name)
		s := rollup.Storages(m)[0]
		if name == "active_customers" && !rollup.SetKey(m).Bitmap() {
			t.Fatalf("%s is not kept as a bitmap", name)
		}
		e, err := sqlgen.StorageMerge(d, m, s, q(s.Column))
		if err != nil {
			t.Fatal(err)
		}
		merged = append(merged, e+" AS "+q(s.Column))
		var c string
		switch m.Agg {
		case "count_distinct":
			c, err = d.SetCount(q(s.Column), rollup.SetKey(m), false)
		case "approx_count_distinct":
			c, err = d.SetApproxCount(q(s.Column), rollup.SetKey(m), false)
		default:
			c = "SUM(" + q(s.Column) + ")"
		}
		if err != nil {
			t.Fatal(err)
		}
		counted = append(counted, c)
	}
	seg := q("customers.segment")
	month := fmt.Sprintf("CAST(date_trunc('month', %s) AS DATE)", q("transactions.txn_time.day"))
	build := fmt.Sprintf("CREATE TABLE month_sets AS SELECT %s AS seg, %s AS m, %s FROM %s GROUP BY 1, 2",
		seg, month, strings.Join(merged, ", "), table)
	if err := w.Engine.Exec(ctx, build); err != nil {
		t.Fatal(err)
	}
	defer w.Engine.Exec(context.WithoutCancel(ctx), "DROP TABLE month_sets")
	got, err := w.Engine.Query(ctx, fmt.Sprintf("SELECT seg, CAST(date_trunc('year', m) AS DATE), %s FROM month_sets GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2",
		strings.Join(counted, ", ")))
	if err != nil {
		t.Fatal(err)
	}
	want, err := w.Query(ctx, &plan.Query{Metrics: names, Dimensions: []string{"customers.segment", "transactions.txn_time.year"},
		Order: []string{"customers.segment", "transactions.txn_time.year"}, NoRollup: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != len(want.Rows) || len(got.Rows) == 0 {
		t.Fatalf("%d merged groups, %d raw", len(got.Rows), len(want.Rows))
	}
	for i := range got.Rows {
		for j := range got.Rows[i] {
			if !banktest.CellEqual(got.Rows[i][j], want.Rows[i][j], want.Columns[j].Type, banktest.FloatTolerance) {
				t.Errorf("row %d column %s: merged %s, raw %s", i, want.Columns[j].Name, banktest.Show(got.Rows[i][j]), banktest.Show(want.Rows[i][j]))
			}
		}
	}
}
