package materializer_test

import "github.com/strata-metrics/strata/compiler/plan"

// Time filters as analysts write them: grain fields in where, closed ranges
// on DATE columns, and timestamp literals with an offset. The hand-written SQL
// reads them literally — the grain computed on local time (UTC+8), BETWEEN on
// the date, the offset's instant converted to naive UTC by hand — so it checks
// the half-open ranges Strata derives from them.
func init() { oracleCases = append(oracleCases, timeFilterCases...) }

var timeFilterCases = []oracleCase{
	{
		name: "grain_filter_month_equals",
		q:    plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"customers.segment"}, Where: "transactions.txn_time.month = '2024-02-01'"},
		sql: `
SELECT c.segment, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE date_trunc('month', t.txn_time + INTERVAL 8 HOUR) = DATE '2024-02-01'
GROUP BY 1`,
	},
	{
		name: "grain_filter_day_between_leap_day_and_month_end",
		q: plan.Query{Metrics: []string{"txn_count", "active_customers"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time.day BETWEEN '2024-02-27' AND '2024-03-02'"},
		sql: `
SELECT CAST(txn_time + INTERVAL 8 HOUR AS DATE), COUNT(txn_id), COUNT(DISTINCT customer_id)
FROM transactions
WHERE CAST(txn_time + INTERVAL 8 HOUR AS DATE) BETWEEN DATE '2024-02-27' AND DATE '2024-03-02'
GROUP BY 1`,
	},
	{
		name: "grain_filter_week_in_across_year_end",
		q: plan.Query{Metrics: []string{"txn_count", "active_customers"}, Dimensions: []string{"transactions.txn_time.week", "transactions.txn_time.year"},
			Where: "transactions.txn_time.week IN ('2024-12-23', '2024-12-30')"},
		sql: `
SELECT CAST(date_trunc('week', txn_time + INTERVAL 8 HOUR) AS DATE), CAST(date_trunc('year', txn_time + INTERVAL 8 HOUR) AS DATE),
       COUNT(txn_id), COUNT(DISTINCT customer_id)
FROM transactions
WHERE CAST(date_trunc('week', txn_time + INTERVAL 8 HOUR) AS DATE) IN (DATE '2024-12-23', DATE '2024-12-30')
GROUP BY 1, 2`,
	},
	{
		name: "grain_filter_quarter_from_mid_quarter_on_a_date",
		q: plan.Query{Metrics: []string{"txn_amount"}, Dimensions: []string{"transactions.value_date.quarter"},
			Where: "transactions.value_date.quarter > '2024-02-15' AND transactions.value_date.year <= '2024-06-30'"},
		sql: `
SELECT CAST(date_trunc('quarter', value_date) AS DATE), SUM(amount) FILTER (WHERE status = 'posted')
FROM transactions
WHERE date_trunc('quarter', value_date) > DATE '2024-02-15' AND date_trunc('year', value_date) <= DATE '2024-06-30'
GROUP BY 1`,
	},
	{
		name: "grain_filter_not_equal_and_year",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"transactions.txn_time.month"},
			Where: "transactions.txn_time.month <> '2024-01-01' AND transactions.txn_time.year = '2024-01-01'"},
		sql: `
SELECT CAST(date_trunc('month', txn_time + INTERVAL 8 HOUR) AS DATE), COUNT(txn_id)
FROM transactions
WHERE date_trunc('month', txn_time + INTERVAL 8 HOUR) <> DATE '2024-01-01' AND year(txn_time + INTERVAL 8 HOUR) = 2024
GROUP BY 1`,
	},
	{
		name: "closed_date_range_between",
		q: plan.Query{Metrics: []string{"txn_amount", "avg_amount"}, Dimensions: []string{"transactions.value_date.month"},
			Where: "transactions.value_date BETWEEN '2024-01-01' AND '2024-03-31'"},
		sql: `
SELECT CAST(date_trunc('month', value_date) AS DATE), SUM(amount) FILTER (WHERE status = 'posted'), AVG(amount) FILTER (WHERE status = 'posted')
FROM transactions
WHERE value_date BETWEEN DATE '2024-01-01' AND DATE '2024-03-31'
GROUP BY 1`,
	},
	{
		name: "closed_date_range_comparisons_leap_day",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"transactions.value_date"},
			Where: "transactions.value_date > '2024-02-27' AND '2024-02-29' >= transactions.value_date"},
		sql: `
SELECT value_date, COUNT(txn_id)
FROM transactions
WHERE value_date > DATE '2024-02-27' AND value_date <= DATE '2024-02-29'
GROUP BY 1`,
	},
	{
		name: "timestamp_literals_with_offsets",
		q: plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"transactions.txn_time.hour"},
			Where: "transactions.txn_time >= '2024-03-01 00:00:00-05:00' AND transactions.txn_time < '2024-03-01T23:30:00Z'"},
		sql: `
SELECT date_trunc('hour', txn_time + INTERVAL 8 HOUR), COUNT(txn_id), SUM(amount) FILTER (WHERE status = 'posted')
FROM transactions
WHERE txn_time >= TIMESTAMP '2024-03-01 05:00:00' AND txn_time < TIMESTAMP '2024-03-01 23:30:00'
GROUP BY 1`,
	},
	{
		name: "string_literals_with_escapes",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"customers.segment"},
			Where: "customers.segment IN ('mass', 'a\\nb', 'it''s', 'back\\\\slash') OR customers.segment IS NULL"},
		sql: `
SELECT c.segment, COUNT(t.txn_id)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE c.segment IN ('mass', 'a' || chr(10) || 'b', 'it''s', 'back\slash') OR c.segment IS NULL
GROUP BY 1`,
		nullIn: []string{"customers.segment"},
	},
	{
		name: "interval_arithmetic_in_filters",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"transactions.txn_time.week"},
			Where: "transactions.txn_time >= DATE '2024-01-31' + INTERVAL 1 MONTH AND transactions.txn_time < DATE_ADD(TIMESTAMP '2024-03-01 00:00:00', INTERVAL 2 WEEK) AND transactions.value_date > DATE_SUB(DATE '2024-03-01', INTERVAL 1 QUARTER)"},
		sql: `
SELECT CAST(date_trunc('week', txn_time + INTERVAL 8 HOUR) AS DATE), COUNT(txn_id)
FROM transactions
WHERE txn_time + INTERVAL 8 HOUR >= TIMESTAMP '2024-02-29 00:00:00' AND txn_time + INTERVAL 8 HOUR < TIMESTAMP '2024-03-15 00:00:00'
  AND value_date > DATE '2023-12-01'
GROUP BY 1`,
	},
}
