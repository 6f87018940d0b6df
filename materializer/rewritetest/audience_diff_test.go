package rewritetest

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/internal/banktest"
)

// audienceRollupModel adds a rollup that keeps the audience entity's key, so
// that audience-restricted queries can be served from it.
const audienceRollupModel = `rollups:
  - name: txn_customer_monthly
    metrics: [txn_amount, txn_count, posted_count, max_txn]
    dimensions: [customers.customer_id, customers.segment, channels.name]
    time: { field: transactions.txn_time, grain: month }
`

// audienceQueries is how many audience-restricted queries the differential
// test runs.
const audienceQueries = 100

// TestRewriteMatchesRawAudiences is the differential test for queries
// restricted to an audience or grouped by audiences: each runs on the raw
// tables and as Strata would run it, and the answers must agree cell by
// cell; the rollup keeping the customer key must serve most of them.
func TestRewriteMatchesRawAudiences(t *testing.T) {
	_, src := sharedWarehouse(t)
	ctx := context.Background()
	dir := filepath.Join(testRoot, "audience-diff")
	if err := banktest.CopyTree(src, dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "audience_rollup.yaml"), []byte(audienceRollupModel), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := openBuilt(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Materializer().RefreshTags(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("tag %s: %v", r.Name, r.Err)
		}
	}
	r := rand.New(rand.NewPCG(20240101, 13))
	leaves := []string{"high_value", "mobile_active_30d", "segment = 'mass'", "segment IN ('affluent', 'private')", "risk = 'high'",
		"customers.aum > 200000", "customers.gender = 'F'", "NOT high_value", "NOT segment = 'staff'"}
	audience := func() string {
		terms := []string{leaves[r.IntN(len(leaves))]}
		for r.IntN(2) == 0 && len(terms) < 3 {
			terms = append(terms, leaves[r.IntN(len(leaves))])
		}
		op := []string{" AND ", " OR "}[r.IntN(2)]
		e := strings.Join(terms, op)
		if r.IntN(4) == 0 {
			e = "NOT (" + e + ")"
		}
		return e
	}
	metrics := []string{"txn_amount", "txn_count", "posted_count", "max_txn"}
	dims := []string{"customers.segment", "channels.name", "transactions.txn_time.month", "transactions.txn_time.quarter"}
	hits, served := 0, map[string]int{}
	for i := range audienceQueries {
		q := &plan.Query{Metrics: []string{metrics[r.IntN(len(metrics))]}}
		if r.IntN(2) == 0 {
			q.Metrics = append(q.Metrics, metrics[r.IntN(len(metrics))])
			if q.Metrics[0] == q.Metrics[1] {
				q.Metrics = q.Metrics[:1]
			}
		}
		for _, d := range dims {
			if r.IntN(3) == 0 {
				q.Dimensions = append(q.Dimensions, d)
			}
		}
		switch r.IntN(3) {
		case 0:
			q.Where = "channels.name IN ('app', 'web')"
		case 1:
			q.Where = "transactions.txn_time >= '2025-01-01'"
		}
		if r.IntN(4) == 0 {
			q.Audiences = map[string]string{"a": audience(), "b": audience()}
		}
		if q.Audiences == nil || r.IntN(2) == 0 {
			q.Audience = audience()
		}
		raw := *q
		raw.NoRollup = true
		want, err := w.Query(ctx, &raw)
		if err != nil {
			t.Fatalf("query %d (raw): %v\n%s", i, describeErr(err), queryJSON(q))
		}
		got, err := w.Query(ctx, q)
		if err != nil {
			t.Fatalf("query %d (rewritten): %v\n%s", i, describeErr(err), queryJSON(q))
		}
		served[got.Meta.ServedBy]++
		if got.Meta.ServedBy != "raw" {
			hits++
		}
		if diff := diffResults(got, want); diff != "" {
			t.Fatalf("query %d: the answer served by %s differs from the raw one\nquery: %s\n%s\nrows:\n%s\nraw rows:\n%s",
				i, got.Meta.ServedBy, queryJSON(q), diff, formatRows(got.Rows, 20), formatRows(want.Rows, 20))
		}
	}
	share := float64(hits) / audienceQueries
	t.Logf("%d audience queries; %.0f%% served by a rollup; served_by:\n%s", audienceQueries, 100*share, formatCounts(served))
	if share < 0.5 {
		t.Errorf("only %.0f%% of the audience queries were served by the rollup keeping customers.customer_id; want at least half", 100*share)
	}
}
