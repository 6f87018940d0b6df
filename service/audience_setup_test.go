package service_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// The oracle data set: the bank with more customers than its transactions
// would give, so that tags and profiles have a few thousand entities.
const (
	testTransactions = 20_000
	testCustomers    = 3_000
)

// extraTags adds tags that exercise every way a tag selects: through a join
// (north), a computed field (young), a behaviour with a decimal metric
// (big_spender), and another categorical field; busy_90d shares
// big_spender's window, so one aggregation builds both; quiet_90d and
// no_txn_30d hold at zero, so they include customers without transactions.
const extraTags = `tags:
  - name: north
    entity: customers
    where: branches.region = 'North'
  - name: young
    entity: customers
    where: customers.age_band = 'under 30'
  - name: big_spender
    entity: customers
    where_metric: { metric: txn_amount, window: 90 days, op: ">", value: 20000 }
  - name: gender
    entity: customers
    value: customers.gender
  - name: busy_90d
    entity: customers
    where_metric: { metric: txn_count, window: 90 days, op: ">=", value: 5 }
  - name: quiet_90d
    entity: customers
    where_metric: { metric: txn_count, window: 90 days, op: "<", value: 2 }
  - name: no_txn_30d
    entity: customers
    where_metric: { metric: txn_count, window: 30 days, op: "=", value: 0 }
  - name: stale_tag
    entity: customers
    where: customers.aum < 1000
    freshness: 1s
`

var testRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "strata-audience-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testRoot = dir
	code := m.Run()
	if bank.w != nil {
		bank.w.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

var bank struct {
	once sync.Once
	w    *service.Project
	s    *service.Audiences
	err  error
}

// bankService returns a service over the oracle data set with every tag built.
func bankService(t testing.TB) (*service.Project, *service.Audiences) {
	t.Helper()
	bank.once.Do(func() {
		dir := filepath.Join(testRoot, "bank")
		if bank.err = banktest.CopyModel(dir); bank.err != nil {
			return
		}
		if bank.err = os.WriteFile(filepath.Join(dir, "models", "extra_tags.yaml"), []byte(extraTags), 0o644); bank.err != nil {
			return
		}
		ctx := context.Background()
		opts := bankgen.Options{Transactions: testTransactions, Customers: testCustomers, Seed: 7}
		if _, bank.err = bankgen.Generate(ctx, filepath.Join(dir, "data"), opts); bank.err != nil {
			return
		}
		if bank.w, bank.err = banktest.Open(ctx, dir, service.Options{}); bank.err != nil {
			return
		}
		var res []materializer.TagResult
		if res, bank.err = bank.w.Materializer().RefreshTags(ctx, nil, nil); bank.err != nil {
			return
		}
		for _, r := range res {
			if r.Err != nil {
				bank.err = fmt.Errorf("tag %s: %w", r.Name, r.Err)
				return
			}
		}
		bank.s, bank.err = service.NewAudiences(bank.w)
	})
	if bank.err != nil {
		t.Fatalf("bank data set: %v", bank.err)
	}
	return bank.w, bank.s
}
