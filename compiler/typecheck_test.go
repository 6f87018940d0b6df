package compiler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
)

// TestIllTypedExpressions runs ill-typed and malformed where and having
// filters through planning. Each must fail with its code, at the offset of the
// text `at` (its first occurrence, or after `after` when given), and produce
// no plan — so no SQL, and nothing reaches an engine.
//
// Run: go test ./compiler -run TestIllTypedExpressions
func TestIllTypedExpressions(t *testing.T) {
	cat := loadCatalog(t, bankProject)
	deep := strings.Repeat("(", 10_000) + "transactions.txn_id = 1" + strings.Repeat(")", 10_000)
	nots := strings.Repeat("NOT ", 10_000) + "transactions.is_large"
	cases := []struct {
		name, field, text, code, at string
	}{
		{"varchar vs number", "where", "customers.segment = 1", "type-mismatch", "1"},
		{"number vs varchar literal", "where", "transactions.amount = 'abc'", "type-mismatch", "'abc'"},
		{"decimal between words", "where", "transactions.amount BETWEEN 'low' AND 10", "type-mismatch", "'low'"},
		{"timestamp vs integer", "where", "transactions.txn_time > 20250101", "type-mismatch", "20250101"},
		{"date vs integer in IN", "where", "transactions.value_date IN (20250101)", "type-mismatch", "20250101"},
		{"impossible date", "where", "transactions.value_date >= '2025-02-30'", "type-mismatch", "'2025-02-30'"},
		{"word as date", "where", "transactions.value_date = 'yesterday'", "type-mismatch", "'yesterday'"},
		{"bad DATE literal", "where", "transactions.value_date < DATE '2025-13-01'", "type-mismatch", "DATE"},
		{"DATE literal with a time", "where", "transactions.value_date < DATE '2025-01-01 10:00:00'", "type-mismatch", "DATE"},
		{"bad TIMESTAMP literal", "where", "transactions.txn_time < TIMESTAMP '2025-01-01 25:00:00'", "type-mismatch", "TIMESTAMP"},
		{"non-boolean where", "where", "transactions.amount", "type-mismatch", "transactions.amount"},
		{"non-boolean where arithmetic", "where", "transactions.amount + 1", "type-mismatch", "transactions.amount"},
		{"number AND", "where", "transactions.amount AND customers.segment = 'mass'", "type-mismatch", "transactions.amount"},
		{"NOT a string", "where", "NOT customers.segment", "type-mismatch", "customers.segment"},
		{"string plus interval", "where", "customers.segment + INTERVAL 1 DAY > '2025-01-01'", "type-mismatch", "customers.segment"},
		{"string arithmetic", "where", "customers.segment * 2 > 1", "type-mismatch", "customers.segment"},
		{"date minus date", "where", "transactions.value_date - transactions.value_date > 3", "type-mismatch", "transactions.value_date > 3"},
		{"LIKE on a number", "where", "transactions.amount LIKE '1%'", "type-mismatch", "transactions.amount"},
		{"lower of a number", "where", "lower(transactions.amount) = 'x'", "type-mismatch", "transactions.amount"},
		{"year of a string", "where", "year(customers.segment) = 2024", "type-mismatch", "customers.segment"},
		{"boolean vs string", "where", "transactions.is_large = 'yes'", "type-mismatch", "'yes'"},
		{"CASE mixing types", "where", "CASE WHEN transactions.is_large THEN 1 ELSE 'x' END = 1", "type-mismatch", "'x'"},
		{"interval by a fraction", "where", "transactions.txn_time > DATE_ADD(DATE '2025-01-01', INTERVAL 1.5 DAY)", "type-mismatch", "1.5"},
		{"cast of a word to date", "where", "CAST('soon' AS DATE) = transactions.value_date", "type-mismatch", "'soon'"},
		{"grain vs integer", "where", "transactions.txn_time.month = 202501", "type-mismatch", "202501"},
		{"grain label mid-month", "where", "transactions.txn_time.month = '2025-01-15'", "bad-period-label", "'2025-01-15'"},
		{"grain IN with a mid-week label", "where", "transactions.txn_time.week IN ('2024-01-01', '2024-01-03')", "bad-period-label", "'2024-01-03'"},
		{"grain on a varchar", "where", "customers.segment.month = '2025-01-01'", "bad-grain", "customers.segment.month"},
		{"hour grain on a date", "where", "transactions.value_date.hour = '2025-01-01'", "bad-grain", "transactions.value_date.hour"},
		{"hex literal", "where", "transactions.txn_id = 0x41", "bad-literal", "0x41"},
		{"bit literal", "where", "transactions.txn_id = b'101'", "bad-literal", "b'101'"},
		{"NUL byte", "where", `customers.segment = 'a\0b'`, "bad-literal", "'a"},
		{"TIME literal", "where", "transactions.txn_time > TIME '10:00:00'", "expr-not-allowed", "TIME '"},
		{"compound interval unit", "where", "transactions.txn_time > DATE '2025-01-01' + INTERVAL '1 2' DAY_HOUR", "expr-not-allowed", "'1 2'"},
		{"10,000 parentheses", "where", deep, "expr-too-deep", strings.Repeat("(", 1001)},
		{"10,000 NOTs", "where", nots, "expr-too-deep", "NOT"},
		{"having on a string", "having", "txn_amount = 'lots'", "type-mismatch", "'lots'"},
		{"having not boolean", "having", "txn_amount", "type-mismatch", "txn_amount"},
		{"having date compare", "having", "txn_count > '2025-01-01' AND txn_count < 'x'", "type-mismatch", "'2025-01-01'"},
	}
	atOffset := func(text, at string) int {
		if at == strings.Repeat("(", 1001) {
			return 1000 // the paren that goes one level too deep
		}
		if at == "NOT" && strings.HasPrefix(text, "NOT NOT") {
			return 4 * 1000 // the NOT one level below the bound
		}
		return strings.Index(text, at)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := &plan.Query{Metrics: []string{"txn_amount", "txn_count"}}
			if c.field == "where" {
				q.Where = c.text
			} else {
				q.Having = c.text
			}
			start := time.Now()
			p, err := plan.Build(cat, q)
			took := time.Since(start)
			if err == nil {
				t.Fatalf("planned %q; want error %s", c.text, c.code)
			}
			if p != nil {
				t.Fatalf("a failed build returned a plan")
			}
			want := atOffset(c.text, c.at)
			if want < 0 {
				t.Fatalf("bad case: %q not in %q", c.at, c.text)
			}
			if err.Field != c.field || err.Code != c.code || err.Offset != want {
				t.Fatalf("%s\n got %s offset %d code %s: %s\nwant %s offset %d code %s", c.text[:min(len(c.text), 80)], err.Field, err.Offset, err.Code, err.Msg, c.field, want, c.code)
			}
			if strings.Contains(err.Msg, "kind") && strings.Contains(err.Msg, "literal of") {
				t.Fatalf("message names an internal literal kind: %s", err.Msg)
			}
			if took > 500*time.Millisecond {
				// Not a timing assertion on speed, a bound on pathology: a
				// bounded parser answers these in milliseconds.
				t.Fatalf("took %v", took)
			}
		})
	}
}

// TestWellTypedExpressions are the forms the type checker must accept.
func TestWellTypedExpressions(t *testing.T) {
	cat := loadCatalog(t, bankProject)
	for _, w := range []string{
		"transactions.amount > 100",
		"transactions.amount = '12.50'",
		"transactions.value_date = '2024-02-29'",
		"transactions.txn_time >= '2024-01-01' AND transactions.txn_time < '2024-01-01T08:00:00Z'",
		"transactions.is_large = TRUE OR transactions.is_large = 0",
		"transactions.is_large",
		"NOT transactions.is_large AND customers.segment IS NULL",
		"transactions.txn_time.month IN ('2024-01-01', '2024-02-01')",
		"transactions.txn_time.day BETWEEN '2024-01-01' AND '2024-01-31'",
		"transactions.txn_time >= DATE '2024-01-01' + INTERVAL 1 MONTH",
		"datediff(transactions.value_date, DATE '2024-01-01') < 30",
		"CASE WHEN transactions.amount > 10 THEN 'big' ELSE 'small' END = 'big'",
		"coalesce(customers.segment, 'none') LIKE 'm%'",
		"year(transactions.value_date) = 2024",
		"transactions.amount BETWEEN 1 AND 1e6",
		"customers.segment = 'a\\nb'",
	} {
		if _, err := plan.Build(cat, &plan.Query{Metrics: []string{"txn_amount"}, Where: w}); err != nil {
			t.Errorf("%s: %v", w, err)
		}
	}
}
