package materializer_test

import "github.com/strata-metrics/strata/compiler/plan"

// Queries without metrics list the values of their dimensions over one
// fact's wide table: the distinct combinations among the fact rows the
// filters keep, orphans (a key with no dimension row) giving NULL. The
// hand-written SQL is SELECT DISTINCT over the fact LEFT JOINed to its
// dimensions.
func init() { oracleCases = append(oracleCases, valuesCases...) }

var valuesCases = []oracleCase{
	{
		name: "values_of_a_dimension_field",
		q:    plan.Query{Dimensions: []string{"channels.name"}},
		sql: `
SELECT DISTINCT ch.name
FROM transactions t LEFT JOIN channels ch ON ch.channel_id = t.channel_id`,
		rollup: "txn_daily",
	},
	{
		name: "values_with_orphans_and_a_time_grain_under_a_filter",
		q: plan.Query{Dimensions: []string{"customers.segment", "transactions.txn_time.month"},
			Where: "channels.name IN ('mobile', 'web') AND transactions.txn_time >= '2024-11-01' AND transactions.txn_time < '2025-03-01'"},
		sql: `
SELECT DISTINCT c.segment, CAST(date_trunc('month', t.txn_time + INTERVAL 8 HOUR) AS DATE)
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE ch.name IN ('mobile', 'web')
  AND t.txn_time >= TIMESTAMP '2024-11-01 00:00:00' - INTERVAL 8 HOUR
  AND t.txn_time < TIMESTAMP '2025-03-01 00:00:00' - INTERVAL 8 HOUR`,
		nullIn: []string{"customers.segment"},
		rollup: "txn_daily",
	},
	{
		name: "values_of_a_shared_dimension_from_one_named_fact",
		q:    plan.Query{Dimensions: []string{"customers.segment", "branches.region"}, From: "balances"},
		sql: `
SELECT DISTINCT c.segment, br.region
FROM balances b
LEFT JOIN customers c ON c.customer_id = b.customer_id
LEFT JOIN branches br ON br.branch_id = c.branch_id`,
		nullIn: []string{"customers.segment"},
		rollup: "balance_daily",
	},
	{
		name: "values_of_fact_columns_no_rollup_keeps",
		q: plan.Query{Dimensions: []string{"transactions.merchant_category", "transactions.status"},
			Where: "transactions.amount > 1000", Order: []string{"-transactions.status", "transactions.merchant_category"}, Limit: 7},
		sql: `
SELECT DISTINCT merchant_category, status
FROM transactions
WHERE amount > 1000
ORDER BY status DESC, merchant_category
LIMIT 7`,
	},
	{
		name: "values_of_event_fields_by_year",
		q:    plan.Query{Dimensions: []string{"app_events.device", "app_events.event_time.year"}},
		sql: `
SELECT DISTINCT device, CAST(date_trunc('year', event_time + INTERVAL 8 HOUR) AS DATE)
FROM app_events`,
		rollup: "app_daily",
	},
}
