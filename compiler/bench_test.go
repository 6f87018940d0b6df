package compiler_test

import (
	"slices"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// benchQueries are representative DataAPI queries on the bank model, one per
// shape of plan the writer produces.
var benchQueries = []struct{ name, json string }{
	{"simple", `{"metrics": ["txn_amount", "txn_count"], "dimensions": ["channels.name", "transactions.txn_time.month"],
		"where": "customers.segment IN ('mass', 'affluent')", "order": ["-txn_amount"], "limit": 100}`},
	{"drill_across", `{"metrics": ["txn_amount", "app_users", "amount_per_user"], "dimensions": ["customers.segment", "branches.region"]}`},
	{"semi_additive", `{"metrics": ["account_balance"], "dimensions": ["balances.snapshot_date.quarter", "branches.region"],
		"where": "balances.snapshot_date >= DATE '2024-07-01'"}`},
	{"period_over_period", `{"metrics": ["txn_amount", "txn_amount_prev_month", "txn_amount_mom"], "dimensions": ["transactions.txn_time.month"],
		"where": "transactions.txn_time >= TIMESTAMP '2025-01-01 00:00:00'", "having": "txn_amount > 0"}`},
	{"grain_filter", `{"metrics": ["txn_amount"], "dimensions": ["transactions.txn_time.day"],
		"where": "transactions.txn_time.month BETWEEN '2025-01-01' AND '2025-03-01' AND transactions.value_date <= '2025-03-31'"}`},
	{"cumulative", `{"metrics": ["txn_amount_mtd", "active_customers_7d"], "dimensions": ["transactions.txn_time.day"],
		"where": "transactions.txn_time >= '2025-01-01T00:00:00Z'"}`},
}

// BenchmarkCompile measures query → SQL on the bank model: decoding the JSON,
// planning and rendering DuckDB SQL, as the DataAPI does for a raw query. Next
// to the mean ns/op it reports the median and the 99th percentile of single
// compilations (p50-ns, p99-ns); the budget is a p50 under 100µs.
//
//	go test ./compiler -run '^$' -bench Compile
func BenchmarkCompile(b *testing.B) {
	cat := loadCatalog(b, bankProject)
	d, err := sqlgen.Get("duckdb")
	if err != nil {
		b.Fatal(err)
	}
	for _, bq := range benchQueries {
		data := []byte(bq.json)
		b.Run(bq.name, func(b *testing.B) {
			// Fail on a broken query before timing anything.
			if _, err := compileJSON(cat, data, d); err != nil {
				b.Fatal(err)
			}
			samples := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				if _, err := compileJSON(cat, data, d); err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(samples)
			b.ReportMetric(float64(percentile(samples, 50).Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(percentile(samples, 99).Nanoseconds()), "p99-ns")
		})
	}
}

func compileJSON(cat *logical.Catalog, data []byte, d sqlgen.Dialect) (*compiler.Compiled, error) {
	q, err := plan.DecodeQuery(data)
	if err != nil {
		return nil, err
	}
	return compiler.Compile(cat, q, nil, d)
}

// percentile reads the p-th percentile of sorted samples (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}
