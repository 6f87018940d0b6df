package materializer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// smallBank copies the example model next to freshly generated data.
func smallBank(t *testing.T) (string, *model.Project, *logical.Catalog) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"strata.yaml", "models/physical.yaml", "models/metrics.yaml", "models/rollups.yaml"} {
		b, err := os.ReadFile(filepath.Join("../examples/bank", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bankgen.Generate(context.Background(), filepath.Join(dir, "data"), bankgen.Options{Transactions: 3000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	cat, cd := logical.Build(p)
	if cd.HasErrors() {
		t.Fatal(cd.Error())
	}
	return dir, p, cat
}

func rollupTables(t *testing.T, w *service.Project) []string {
	t.Helper()
	res, err := w.Engine.Query(context.Background(), "SELECT table_name FROM information_schema.tables WHERE table_schema = '_strata' AND starts_with(table_name, 'r_') ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, r[0].(string))
	}
	return out
}

// A failed build leaves the previous version in place and serving; no
// half-built table is left behind; the failure is recorded in the state.
func TestFailedBuildKeepsPreviousVersion(t *testing.T) {
	ctx := context.Background()
	dir, _, cat := smallBank(t)
	w, err := service.Open(ctx, cat, service.Options{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
		t.Fatalf("first build: %v %+v", err, res)
	}
	q := &plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"channels.name"}}
	before, err := w.Query(ctx, q)
	if err != nil || before.Meta.ServedBy != "txn_daily" {
		t.Fatalf("before: %v %+v", err, before)
	}
	tablesBefore := rollupTables(t, w)

	// Corrupt the fact's source: the next build must fail.
	src := filepath.Join(dir, "data", "transactions.parquet")
	if err := os.WriteFile(src, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := w.Refresh(ctx, []string{"txn_daily"}, nil)
	if err != nil || res[0].Err == nil {
		t.Fatalf("second build should fail: %v %+v", err, res)
	}
	if got := rollupTables(t, w); strings.Join(got, ",") != strings.Join(tablesBefore, ",") {
		t.Fatalf("rollup tables changed by a failed build: %v → %v", tablesBefore, got)
	}
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Name == "txn_daily" && (s.LastError == "" || s.Table == "" || s.State != "stale") {
			t.Fatalf("status after failure: %+v", s)
		}
	}
	// The source changed, so by default the rollup is stale and the query goes
	// raw (and fails on the corrupt file, cleanly); within a tolerance the
	// previous version answers as before.
	q.Freshness = "1h"
	after, err := w.Query(ctx, q)
	if err != nil || after.Meta.ServedBy != "txn_daily" {
		t.Fatalf("after: %v %+v", err, after)
	}
	if len(after.Rows) != len(before.Rows) {
		t.Fatalf("rows changed: %v → %v", before.Rows, after.Rows)
	}
	for i := range before.Rows {
		if before.Rows[i][1] != after.Rows[i][1] {
			t.Fatalf("row %d changed: %v → %v", i, before.Rows[i], after.Rows[i])
		}
	}
	q.Freshness = ""
	if _, err := w.Query(ctx, q); err == nil {
		t.Fatal("a raw query over a corrupt source should fail")
	} else if _, ok := err.(*service.EngineError); !ok {
		t.Fatalf("engine failure should be an *service.EngineError, got %T: %v", err, err)
	}
}

// A rebuild swaps versions: the old table is dropped in the same transaction
// that points the state at the new one.
func TestRebuildSwapsVersion(t *testing.T) {
	ctx := context.Background()
	_, _, cat := smallBank(t)
	w, err := service.Open(ctx, cat, service.Options{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := 0; i < 2; i++ {
		if res, err := w.Refresh(ctx, []string{"app_daily"}, nil); err != nil || res[0].Err != nil {
			t.Fatalf("build %d: %v %+v", i, err, res)
		}
	}
	if got := rollupTables(t, w); len(got) != 1 || !strings.HasPrefix(got[0], "r_app_daily_") {
		t.Fatalf("tables after two builds: %v", got)
	}
	if _, err := w.Refresh(ctx, []string{"nope"}, nil); err == nil || !strings.Contains(err.Error(), "unknown rollup") {
		t.Fatalf("unknown rollup: %v", err)
	}
}
