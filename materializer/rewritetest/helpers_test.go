// Package rewritetest checks the rollup rewrite end to end on the bank
// example: a differential test (every query answered through the rewrite
// equals the same query on the raw tables), golden explain outputs for each
// reason a rollup is or is not used, and benchmarks of rollup hits against
// raw scans.
package rewritetest

import (
	"context"
	"fmt"
	"github.com/strata-metrics/strata/internal/banktest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/service"
)

// testTransactions sizes the data set the tests run on.
const testTransactions = 20_000

// testRoot is a temporary directory for the whole test binary, removed by TestMain.
var testRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "strata-rewritetest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testRoot = dir
	code := m.Run()
	for _, w := range []*service.Project{shared.w, stale.w, more.w} {
		if w != nil {
			w.Close()
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the module root.
func repoRoot() string {
	root, err := banktest.RepoRoot()
	if err != nil {
		panic(err)
	}
	return root
}

// openBank loads the bank model from dir (strata.yaml, models/ and data/) and
// opens an in-memory warehouse over it. One engine thread: on data this
// small, DuckDB's parallelism costs more than it gains.
func openBank(ctx context.Context, dir string) (*service.Project, error) {
	return banktest.Open(ctx, dir, service.Options{Threads: 1})
}

// openBuilt opens a warehouse over dir and builds every rollup.
func openBuilt(ctx context.Context, dir string) (*service.Project, error) {
	w, err := openBank(ctx, dir)
	if err != nil {
		return nil, err
	}
	// The sources are small: hold them in memory instead of re-reading the
	// parquet files on every query (the tests compare answers, not storage;
	// it cuts the differential test's time by a fifth). Source fingerprints
	// still come from the files.
	for _, t := range w.Project.Tables {
		mem := duckdb.QuoteIdent("_mem_" + t.Name)
		name := duckdb.QuoteIdent(t.Name)
		q := fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM %s; CREATE OR REPLACE VIEW %s AS SELECT * FROM %s", mem, name, name, mem)
		if err := w.Engine.Exec(ctx, q); err != nil {
			w.Close()
			return nil, err
		}
	}
	res, err := w.Refresh(ctx, nil, nil)
	if err != nil {
		w.Close()
		return nil, err
	}
	for _, r := range res {
		if r.Err != nil {
			w.Close()
			return nil, fmt.Errorf("refresh %s: %w", r.Name, r.Err)
		}
	}
	return w, nil
}

// shared is the test data set: the bank model over testTransactions
// generated transactions, with every rollup built. It is made once per test
// binary and must not be modified (the stale-rollup case works on a copy).
var shared struct {
	once sync.Once
	dir  string
	w    *service.Project
	err  error
}

func sharedWarehouse(t testing.TB) (*service.Project, string) {
	t.Helper()
	shared.once.Do(func() {
		dir := filepath.Join(testRoot, "bank")
		if shared.err = banktest.CopyModel(dir); shared.err != nil {
			return
		}
		if shared.err = os.WriteFile(filepath.Join(dir, "models", "test_extra.yaml"), []byte(diffExtraModel), 0o644); shared.err != nil {
			return
		}
		ctx := context.Background()
		if _, shared.err = bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: testTransactions, Seed: 1}); shared.err != nil {
			return
		}
		shared.dir = dir
		shared.w, shared.err = openBuilt(ctx, dir)
	})
	if shared.err != nil {
		t.Fatalf("test data set: %v", shared.err)
	}
	return shared.w, shared.dir
}

var more struct {
	once sync.Once
	w    *service.Project
	err  error
}

// moreRollupsWarehouse is a copy of the shared data set whose model also
// has moreRollupsModel's rollups, all built.
func moreRollupsWarehouse(t testing.TB) *service.Project {
	t.Helper()
	_, src := sharedWarehouse(t)
	more.once.Do(func() {
		dir := filepath.Join(testRoot, "more")
		if more.err = banktest.CopyTree(src, dir); more.err != nil {
			return
		}
		if more.err = os.WriteFile(filepath.Join(dir, "models", "more_rollups.yaml"), []byte(moreRollupsModel), 0o644); more.err != nil {
			return
		}
		more.w, more.err = openBuilt(context.Background(), dir)
	})
	if more.err != nil {
		t.Fatalf("data set with more rollups: %v", more.err)
	}
	return more.w
}
