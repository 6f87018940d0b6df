package materializer_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
)

// oracleTransactions sizes the data set the oracle tests run on.
const oracleTransactions = 20_000

// testRoot is a temporary directory for the whole test binary, removed by TestMain.
var testRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "strata-materializer-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testRoot = dir
	code := m.Run()
	if oracle.w != nil {
		oracle.w.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the module root. Tests run in their package's directory;
// the path is absolute so that it survives a chdir. (runtime.Caller cannot
// be used: builds with -trimpath record module paths, not file paths.)
func repoRoot() string {
	root, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return root
}

// copyBankModel copies examples/bank/strata.yaml and models/ into dir, so the
// project resolves its sources under dir/data.
func copyBankModel(dir string) error {
	src := filepath.Join(repoRoot(), "examples", "bank")
	if err := os.MkdirAll(filepath.Join(dir, "models"), 0o755); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(src, "strata.yaml"), filepath.Join(dir, "strata.yaml")); err != nil {
		return err
	}
	return filepath.WalkDir(filepath.Join(src, "models"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		return copyFile(path, filepath.Join(dir, rel))
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

// openBank loads the bank model from dir (which holds strata.yaml, models/
// and data/) and opens an in-memory warehouse over it.
func openBank(ctx context.Context, dir string) (*materializer.Warehouse, error) {
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		return nil, fmt.Errorf("load %s: %s", dir, diags.Format(p.Sources, 10))
	}
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		return nil, fmt.Errorf("build %s: %s", dir, cdiags.Format(p.Sources, 10))
	}
	return materializer.Open(ctx, p, cat, materializer.Options{Memory: true})
}

// oracleExtraModel adds test-only metrics to the oracle's copy of the bank
// model: a derived ratio whose denominator is often zero while its numerator
// is not, to check that division by zero yields NULL.
const oracleExtraModel = `metrics:
  - name: pending_count
    agg: count
    filter: transactions.status = 'pending'
  - name: reversed_per_pending
    expr: reversed_count / pending_count
`

var oracle struct {
	once sync.Once
	w    *materializer.Warehouse
	err  error
}

// oracleWarehouse returns the warehouse over the oracle data set, generated
// once per test binary into testRoot.
func oracleWarehouse(t testing.TB) *materializer.Warehouse {
	t.Helper()
	oracle.once.Do(func() {
		dir := filepath.Join(testRoot, "bank")
		if oracle.err = copyBankModel(dir); oracle.err != nil {
			return
		}
		if oracle.err = os.WriteFile(filepath.Join(dir, "models", "oracle_extra.yaml"), []byte(oracleExtraModel), 0o644); oracle.err != nil {
			return
		}
		ctx := context.Background()
		if _, oracle.err = bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: oracleTransactions, Seed: 1}); oracle.err != nil {
			return
		}
		oracle.w, oracle.err = openBank(ctx, dir)
	})
	if oracle.err != nil {
		t.Fatalf("oracle data set: %v", oracle.err)
	}
	return oracle.w
}
