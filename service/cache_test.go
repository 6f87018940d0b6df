package service_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// An answer cut at one caller's row cap is never cached for another: the
// uncapped path (SQL, MySQL) gets every row, and a capped caller after it
// gets the complete cached answer to judge against its own cap.
func TestCacheKeepsOnlyCompleteAnswers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 2000, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.EnableCache(16, 10_000)
	q := func() *plan.Query {
		return &plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"branches.city"}}
	}
	capped, err := w.AnswerCapped(ctx, q(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !capped.Truncated || len(capped.Rows) != 2 {
		t.Fatalf("capped: truncated=%v rows=%d", capped.Truncated, len(capped.Rows))
	}
	full, err := w.Answer(ctx, q())
	if err != nil {
		t.Fatal(err)
	}
	if full.Truncated || full.Meta.Cached || len(full.Rows) <= 2 {
		t.Fatalf("uncapped after capped: truncated=%v cached=%v rows=%d", full.Truncated, full.Meta.Cached, len(full.Rows))
	}
	again, err := w.AnswerCapped(ctx, q(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Meta.Cached || len(again.Rows) != len(full.Rows) {
		t.Fatalf("capped after uncapped: cached=%v rows=%d, want the complete %d", again.Meta.Cached, len(again.Rows), len(full.Rows))
	}
}
