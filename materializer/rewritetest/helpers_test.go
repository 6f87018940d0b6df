// Package rewritetest checks the rollup rewrite end to end on the bank
// example: a differential test (every query answered through the rewrite
// equals the same query on the raw tables), golden explain outputs for each
// reason a rollup is or is not used, and benchmarks of rollup hits against
// raw scans.
package rewritetest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
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
	for _, w := range []*materializer.Warehouse{shared.w, stale.w, more.w} {
		if w != nil {
			w.Close()
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the module root. Tests run in their package's directory;
// the path is absolute so that it survives a chdir. (runtime.Caller cannot
// be used: builds with -trimpath record module paths, not file paths.)
func repoRoot() string {
	root, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return root
}

// copyBankModel copies examples/bank/strata.yaml and models/ into dir, so the
// project resolves its sources under dir/data.
func copyBankModel(dir string) error {
	src := filepath.Join(repoRoot(), "examples", "bank")
	if err := copyFile(filepath.Join(src, "strata.yaml"), filepath.Join(dir, "strata.yaml")); err != nil {
		return err
	}
	return copyTree(filepath.Join(src, "models"), filepath.Join(dir, "models"))
}

// copyTree copies the regular files under from into to.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		return copyFile(path, filepath.Join(to, rel))
	})
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// openBank loads the bank model from dir (strata.yaml, models/ and data/) and
// opens an in-memory warehouse over it. One engine thread: on data this
// small, DuckDB's parallelism costs more than it gains.
func openBank(ctx context.Context, dir string) (*materializer.Warehouse, error) {
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		return nil, fmt.Errorf("load %s: %s", dir, diags.Format(p.Sources, 10))
	}
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		return nil, fmt.Errorf("build %s: %s", dir, cdiags.Format(p.Sources, 10))
	}
	return materializer.Open(ctx, p, cat, materializer.Options{Memory: true, Threads: 1})
}

// openBuilt opens a warehouse over dir and builds every rollup.
func openBuilt(ctx context.Context, dir string) (*materializer.Warehouse, error) {
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
	w    *materializer.Warehouse
	err  error
}

func sharedWarehouse(t testing.TB) (*materializer.Warehouse, string) {
	t.Helper()
	shared.once.Do(func() {
		dir := filepath.Join(testRoot, "bank")
		if shared.err = copyBankModel(dir); shared.err != nil {
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
	w    *materializer.Warehouse
	err  error
}

// moreRollupsWarehouse is a copy of the shared data set whose model also
// has moreRollupsModel's rollups, all built.
func moreRollupsWarehouse(t testing.TB) *materializer.Warehouse {
	t.Helper()
	_, src := sharedWarehouse(t)
	more.once.Do(func() {
		dir := filepath.Join(testRoot, "more")
		if more.err = copyTree(src, dir); more.err != nil {
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
