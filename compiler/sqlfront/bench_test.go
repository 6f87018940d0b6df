package sqlfront_test

import (
	"testing"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlfront"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// The example, in both forms.
const (
	benchSQL  = "SELECT customers.segment, transactions.txn_time.month, txn_amount, active_customers FROM transactions WHERE channels.name = 'mobile' GROUP BY 1, 2 HAVING txn_amount > 1000 ORDER BY txn_amount DESC LIMIT 10"
	benchJSON = `{"metrics":["txn_amount","active_customers"],"dimensions":["customers.segment","transactions.txn_time.month"],"where":"channels.name = 'mobile'","having":"txn_amount > 1000","order":["-txn_amount"],"limit":10}`
)

// BenchmarkCompile compiles the same query from its SQL form and from its JSON
// form (decode or translate, plan, SQL for DuckDB); the difference between the
// two is what the SQL form adds (target ≤ 0.2 ms).
//
//	go test ./compiler/sqlfront -run '^$' -bench Compile
func BenchmarkCompile(b *testing.B) {
	cat := bankCatalog(b)
	d, err := sqlgen.Get("duckdb")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			q, err := plan.DecodeQuery([]byte(benchJSON))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := compiler.Compile(cat, q, nil, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sql", func(b *testing.B) {
		for b.Loop() {
			st, err := sqlfront.Translate(cat, benchSQL)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := compiler.Compile(cat, st.Query, nil, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("translate_only", func(b *testing.B) {
		for b.Loop() {
			if _, err := sqlfront.Translate(cat, benchSQL); err != nil {
				b.Fatal(err)
			}
		}
	})
}
