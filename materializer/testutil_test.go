package materializer_test

import (
	"context"
	"fmt"
	"github.com/strata-metrics/strata/internal/banktest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/service"
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

// repoRoot is the module root.
func repoRoot() string {
	root, err := banktest.RepoRoot()
	if err != nil {
		panic(err)
	}
	return root
}

// openBank loads the bank model from dir (which holds strata.yaml, models/
// and data/) and opens an in-memory warehouse over it.
func openBank(ctx context.Context, dir string) (*service.Project, error) {
	return banktest.Open(ctx, dir, service.Options{})
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
	w    *service.Project
	err  error
}

// oracleWarehouse returns the warehouse over the oracle data set, generated
// once per test binary into testRoot.
func oracleWarehouse(t testing.TB) *service.Project {
	t.Helper()
	oracle.once.Do(func() {
		dir := filepath.Join(testRoot, "bank")
		if oracle.err = banktest.CopyModel(dir); oracle.err != nil {
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
