package service_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
)

func rowsText(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprint(r...)
	}
	sort.Strings(out)
	return out
}

// TestOracleAudienceMetrics checks metrics restricted to an audience against
// hand-written SQL: the facts of the members only, exact.
func TestOracleAudienceMetrics(t *testing.T) {
	w, _ := bankService(t)
	ctx := context.Background()
	hand := `SELECT c.segment, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id), COUNT(DISTINCT t.customer_id)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE t.customer_id IN (SELECT c.customer_id ` + handFrom + ` WHERE %s) GROUP BY 1`
	for _, i := range []int{0, 1, 3, 7, 10, 12, 17, 20, 22, 23, 27, 28} {
		c := cases()[i]
		t.Run(c.expr, func(t *testing.T) {
			q := &plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"customers.segment"}, Audience: c.expr}
			got, err := w.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := w.Engine.Query(ctx, fmt.Sprintf(hand, c.sql))
			if err != nil {
				t.Fatalf("hand-written SQL: %v", err)
			}
			g, h := rowsText(got.Rows), rowsText(want.Rows)
			if strings.Join(g, "\n") != strings.Join(h, "\n") {
				t.Errorf("strata:\n%s\nhand-written:\n%s\nSQL:\n%s", strings.Join(g, "\n"), strings.Join(h, "\n"), got.Meta.SQL)
			}
			if got.Meta.ServedBy != "raw" {
				t.Errorf("served by %s; no rollup keeps customers.customer_id", got.Meta.ServedBy)
			}
		})
	}
}

// TestAudiencesDimension groups a metric by named audiences.
func TestAudiencesDimension(t *testing.T) {
	w, _ := bankService(t)
	ctx := context.Background()
	q := &plan.Query{Metrics: []string{"txn_count"}, Audiences: map[string]string{"hv": "high_value", "rest": "NOT high_value"}, Audience: "NOT segment = 'staff'"}
	got, err := w.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Columns) != 2 || got.Columns[0].Name != "audience" {
		t.Fatalf("columns %v; want audience, txn_count", got.Columns)
	}
	want, err := w.Engine.Query(ctx, `SELECT CASE WHEN `+leaves["HV"]+` THEN 'hv' ELSE 'rest' END, COUNT(t.txn_id)
FROM transactions t JOIN customers c ON c.customer_id = t.customer_id WHERE NOT `+seg("staff")+` GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if g, h := rowsText(got.Rows), rowsText(want.Rows); strings.Join(g, "\n") != strings.Join(h, "\n") {
		t.Errorf("strata %v; hand-written %v", g, h)
	}
}

// TestAudienceExplain checks that explain names the audience as the reason a
// rollup does not serve, and that a bad audience is a positioned query error.
func TestAudienceExplain(t *testing.T) {
	w, _ := bankService(t)
	ctx := context.Background()
	if _, err := w.Refresh(ctx, []string{"txn_monthly_segment"}, nil); err != nil {
		t.Fatal(err)
	}
	ex, err := w.Explain(ctx, &plan.Query{Metrics: []string{"txn_amount"}, Dimensions: []string{"customers.segment"}, Audience: "high_value"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range ex.Rollups {
		if d.Rollup == "txn_monthly_segment" {
			found = d.Code == "audience" && strings.Contains(d.Reason, "customers.customer_id")
		}
	}
	if !found {
		t.Errorf("explain verdicts %+v; want txn_monthly_segment rejected for the audience", ex.Rollups)
	}
	_, err = w.Query(ctx, &plan.Query{Metrics: []string{"txn_amount"}, Audience: "high_value AND hgh"})
	pe, ok := err.(*plan.Error)
	if !ok || pe.Field != "audience" || pe.Offset != 15 || pe.Code != "unknown-tag" {
		t.Errorf("bad audience: %#v", err)
	}
}

// TestAudiencesOrderLimit checks the documented order and limit of a query
// grouped by audiences: the query runs once per audience, so each audience
// gets its own top rows by the order, and the rows come grouped by audience
// name — equal to hand-written SQL ranking within each audience.
func TestAudiencesOrderLimit(t *testing.T) {
	w, _ := bankService(t)
	ctx := context.Background()
	q := &plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"branches.city"}, Order: []string{"-txn_count", "branches.city"}, Limit: 3,
		Audiences: map[string]string{"hv": "high_value", "rest": "NOT high_value"}}
	got, err := w.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := w.Engine.Query(ctx, `SELECT a, city, n FROM (
  SELECT a, city, n, ROW_NUMBER() OVER (PARTITION BY a ORDER BY n DESC, city) AS r FROM (
    SELECT CASE WHEN `+leaves["HV"]+` THEN 'hv' ELSE 'rest' END AS a, b.city AS city, COUNT(t.txn_id) AS n
    FROM transactions t JOIN customers c ON c.customer_id = t.customer_id LEFT JOIN branches b ON b.branch_id = c.branch_id
    GROUP BY 1, 2) x) y
WHERE r <= 3 ORDER BY a, r`)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Rows) != 6 {
		t.Fatalf("hand-written: %d rows; the data should give 3 cities in each audience", len(want.Rows))
	}
	inOrder := func(rows [][]any) string { return fmt.Sprint(rows) }
	if g, h := inOrder(got.Rows), inOrder(want.Rows); g != h {
		t.Errorf("strata %v; hand-written (in order) %v", g, h)
	}
}
