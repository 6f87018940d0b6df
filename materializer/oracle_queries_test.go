package materializer_test

import "github.com/strata-metrics/strata/compiler/plan"

// oracleCases pairs metric queries over the bank model with SQL written by
// hand from the model's semantics (examples/bank/models, DESIGN.md §4):
//
//   - txn_amount = SUM(amount) of posted transactions; txn_count = COUNT(txn_id);
//     posted_count / reversed_count / pending_count = COUNT(*) of that status;
//     active_customers = COUNT(DISTINCT transactions.customer_id); derived
//     ratios divide with NULLIF(…, 0).
//   - Wide tables are LEFT JOINs: a transaction whose customer (or account,
//     or branch) is missing keeps its measures and gets NULL dimension values,
//     including NULL computed dimensions of the missing table.
//   - txn_time and event_time are naive UTC; grains and timestamp literals are
//     in Asia/Shanghai (UTC+8, no DST). value_date and snapshot_date are dates
//     and never shifted.
//   - Semi-additive balances: the rows at the last (first) snapshot date
//     present in each period across all accounts; account_balance takes each
//     account's own last row in the period.
//   - Period over period: the value of the period one offset earlier,
//     computed without the time filter that selects the output periods.
//   - Drill-across: each fact aggregated on its own, FULL OUTER JOINed on the
//     shared dimensions with NULL matching NULL.
var oracleCases = []oracleCase{
	// ---- joins: inner only where the filter rejects a missing dimension ---
	{
		// An OR over the same dimension rejects orphans (inner join); an OR
		// with a fact column does not: orphan transactions over 500 stay,
		// under a NULL segment.
		name: "or_filters_inner_and_left_joins_with_orphans",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"customers.segment", "channels.name"},
			Where: "(channels.name = 'app' OR channels.name LIKE 'w%') AND (customers.segment = 'mass' OR transactions.amount > 500)"},
		sql: `
SELECT c.segment, ch.name, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id)
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE (ch.name = 'app' OR ch.name LIKE 'w%') AND (c.segment = 'mass' OR t.amount > 500)
GROUP BY 1, 2`,
		nullIn: []string{"customers.segment"},
	},
	{
		// IS NOT NULL rejects the orphans: customers is inner-joined.
		name: "is_not_null_filter_with_orphans",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"channels.name"},
			Where: "customers.segment IS NOT NULL AND transactions.amount > 100"},
		sql: `
SELECT ch.name, COUNT(t.txn_id)
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE c.segment IS NOT NULL AND t.amount > 100
GROUP BY 1`,
	},
	// ---- every metric kind ----------------------------------------------
	{
		name: "all_simple_kinds_no_dimensions",
		q:    plan.Query{Metrics: []string{"txn_amount", "txn_count", "posted_count", "reversed_count", "active_customers", "max_txn", "min_txn", "avg_amount"}},
		sql: `
SELECT SUM(amount) FILTER (WHERE status = 'posted'),
       COUNT(txn_id),
       COUNT(*) FILTER (WHERE status = 'posted'),
       COUNT(*) FILTER (WHERE status = 'reversed'),
       COUNT(DISTINCT customer_id),
       MAX(amount),
       MIN(amount),
       AVG(amount) FILTER (WHERE status = 'posted')
FROM transactions`,
	},
	{
		name: "derived_and_event_metrics_no_dimensions",
		q:    plan.Query{Metrics: []string{"avg_ticket", "reversal_rate", "amount_per_user", "app_events", "logins", "app_users"}},
		sql: `
WITH t AS (
  SELECT SUM(amount) FILTER (WHERE status = 'posted') AS amt,
         COUNT(*) FILTER (WHERE status = 'posted') AS posted,
         COUNT(*) FILTER (WHERE status = 'reversed') AS reversed,
         COUNT(txn_id) AS n
  FROM transactions
), e AS (
  SELECT COUNT(event_id) AS events,
         COUNT(*) FILTER (WHERE event_type = 'login') AS logins,
         COUNT(DISTINCT customer_id) AS users
  FROM app_events
)
SELECT t.amt / t.posted, t.reversed / t.n, t.amt / e.users, e.events, e.logins, e.users
FROM t CROSS JOIN e`,
	},
	{
		name: "by_segment_null_segment_and_orphans",
		q:    plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"customers.segment"}},
		sql: `
SELECT c.segment,
       SUM(t.amount) FILTER (WHERE t.status = 'posted'),
       COUNT(t.txn_id),
       COUNT(DISTINCT t.customer_id)
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
GROUP BY c.segment`,
		nullIn: []string{"customers.segment"},
	},
	{
		name: "by_channel_and_status",
		q:    plan.Query{Metrics: []string{"txn_amount", "posted_count", "reversed_count", "txn_count"}, Dimensions: []string{"channels.name", "transactions.status"}},
		sql: `
SELECT ch.name, t.status,
       SUM(t.amount) FILTER (WHERE t.status = 'posted'),
       COUNT(*) FILTER (WHERE t.status = 'posted'),
       COUNT(*) FILTER (WHERE t.status = 'reversed'),
       COUNT(t.txn_id)
FROM transactions t
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
GROUP BY ch.name, t.status`,
		nullIn: []string{"txn_amount"}, // reversed and pending groups have no posted amount
	},
	{
		name: "approx_customers_same_function",
		q:    plan.Query{Metrics: []string{"approx_customers", "active_customers"}, Dimensions: []string{"channels.name"}},
		sql: `
SELECT ch.name, approx_count_distinct(t.customer_id), COUNT(DISTINCT t.customer_id)
FROM transactions t
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
GROUP BY 1`,
		approx: map[string]float64{"approx_customers": 0.05},
	},
	{
		// DuckDB's approx_count_distinct is ~12% off the exact count at this
		// size (551 vs 492 distinct customers in 2024), so it is compared with
		// the same function rather than with COUNT(DISTINCT).
		name: "approx_customers_by_year",
		q:    plan.Query{Metrics: []string{"approx_customers"}, Dimensions: []string{"transactions.txn_time.year"}},
		sql: `
SELECT make_date(year(txn_time + INTERVAL 8 HOUR), 1, 1), approx_count_distinct(customer_id)
FROM transactions
GROUP BY 1`,
		approx: map[string]float64{"approx_customers": 0.05},
	},
	{
		name: "min_max_avg_by_category",
		q:    plan.Query{Metrics: []string{"min_txn", "max_txn", "avg_amount", "avg_ticket"}, Dimensions: []string{"transactions.merchant_category"}},
		sql: `
SELECT merchant_category,
       MIN(amount), MAX(amount),
       AVG(amount) FILTER (WHERE status = 'posted'),
       SUM(amount) FILTER (WHERE status = 'posted') / NULLIF(COUNT(*) FILTER (WHERE status = 'posted'), 0)
FROM transactions
GROUP BY merchant_category`,
	},
	{
		name: "derived_ratios_ordered_by_ratio",
		q:    plan.Query{Metrics: []string{"avg_ticket", "reversal_rate"}, Dimensions: []string{"channels.name"}, Order: []string{"-reversal_rate"}},
		sql: `
SELECT ch.name,
       SUM(t.amount) FILTER (WHERE t.status = 'posted') / NULLIF(COUNT(*) FILTER (WHERE t.status = 'posted'), 0) AS avg_ticket,
       COUNT(*) FILTER (WHERE t.status = 'reversed') / NULLIF(COUNT(t.txn_id), 0) AS reversal_rate
FROM transactions t
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
GROUP BY ch.name
ORDER BY reversal_rate DESC NULLS LAST`,
	},
	{
		name: "division_by_zero_is_null",
		q: plan.Query{Metrics: []string{"reversed_count", "pending_count", "reversed_per_pending"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time >= '2024-10-01' AND transactions.txn_time < '2024-11-01'"},
		sql: `
SELECT CAST(txn_time + INTERVAL 8 HOUR AS DATE) AS day,
       COUNT(*) FILTER (WHERE status = 'reversed') AS reversed,
       COUNT(*) FILTER (WHERE status = 'pending') AS pending,
       CASE WHEN COUNT(*) FILTER (WHERE status = 'pending') = 0 THEN NULL
            ELSE COUNT(*) FILTER (WHERE status = 'reversed') / COUNT(*) FILTER (WHERE status = 'pending') END
FROM transactions
WHERE txn_time >= TIMESTAMP '2024-09-30 16:00:00' AND txn_time < TIMESTAMP '2024-10-31 16:00:00'
GROUP BY day`,
		nullIn: []string{"reversed_per_pending"},
	},

	// ---- time grains in Asia/Shanghai -----------------------------------
	{
		name: "grain_hour_local",
		q: plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"transactions.txn_time.hour"},
			Where: "transactions.txn_time >= '2024-03-01 00:00:00' AND transactions.txn_time < '2024-03-03 00:00:00'"},
		sql: `
WITH t AS (
  SELECT *, (txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS local_time FROM transactions
)
SELECT date_trunc('hour', local_time), COUNT(txn_id), SUM(amount) FILTER (WHERE status = 'posted')
FROM t
WHERE local_time >= TIMESTAMP '2024-03-01 00:00:00' AND local_time < TIMESTAMP '2024-03-03 00:00:00'
GROUP BY 1`,
	},
	{
		name: "grain_day_local",
		q:    plan.Query{Metrics: []string{"txn_amount", "txn_count", "active_customers"}, Dimensions: []string{"transactions.txn_time.day"}},
		sql: `
SELECT CAST(txn_time + INTERVAL 8 HOUR AS DATE),
       SUM(amount) FILTER (WHERE status = 'posted'), COUNT(txn_id), COUNT(DISTINCT customer_id)
FROM transactions
GROUP BY 1`,
	},
	{
		name: "grain_week_iso_monday_local",
		q:    plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"transactions.txn_time.week"}},
		sql: `
WITH t AS (
  SELECT CAST((txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS local_day, *
  FROM transactions
)
SELECT local_day - CAST(isodow(local_day) - 1 AS INTEGER) AS week_start, COUNT(txn_id), SUM(amount) FILTER (WHERE status = 'posted')
FROM t
GROUP BY week_start`,
	},
	{
		name: "grain_month_local",
		q:    plan.Query{Metrics: []string{"txn_amount", "posted_count"}, Dimensions: []string{"transactions.txn_time.month"}},
		sql: `
WITH t AS (SELECT *, (txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS lt FROM transactions)
SELECT make_date(year(lt), month(lt), 1), SUM(amount) FILTER (WHERE status = 'posted'), COUNT(*) FILTER (WHERE status = 'posted')
FROM t
GROUP BY 1`,
	},
	{
		name: "grain_quarter_local",
		q:    plan.Query{Metrics: []string{"txn_amount", "active_customers"}, Dimensions: []string{"transactions.txn_time.quarter"}},
		sql: `
WITH t AS (SELECT *, (txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS lt FROM transactions)
SELECT make_date(year(lt), 3 * (quarter(lt) - 1) + 1, 1), SUM(amount) FILTER (WHERE status = 'posted'), COUNT(DISTINCT customer_id)
FROM t
GROUP BY 1`,
	},
	{
		name: "grain_year_local",
		q:    plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"transactions.txn_time.year"}},
		sql: `
SELECT make_date(year(txn_time + INTERVAL 8 HOUR), 1, 1), COUNT(txn_id), SUM(amount) FILTER (WHERE status = 'posted')
FROM transactions
GROUP BY 1`,
	},
	{
		name: "grain_month_app_events",
		q:    plan.Query{Metrics: []string{"app_events", "logins", "app_users"}, Dimensions: []string{"app_events.event_time.month"}},
		sql: `
WITH e AS (SELECT *, (event_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS lt FROM app_events)
SELECT make_date(year(lt), month(lt), 1), COUNT(event_id), COUNT(*) FILTER (WHERE event_type = 'login'), COUNT(DISTINCT customer_id)
FROM e
GROUP BY 1`,
	},
	{
		name: "grain_day_app_events_with_filters",
		q: plan.Query{Metrics: []string{"app_events", "app_users"}, Dimensions: []string{"app_events.event_time.day"},
			Where: "app_events.event_time >= '2025-06-01' AND app_events.device = 'ios'"},
		sql: `
SELECT CAST(event_time + INTERVAL 8 HOUR AS DATE), COUNT(event_id), COUNT(DISTINCT customer_id)
FROM app_events
WHERE event_time >= TIMESTAMP '2025-05-31 16:00:00' AND device = 'ios'
GROUP BY 1`,
	},
	{
		name: "grain_week_across_new_year_by_channel",
		q: plan.Query{Metrics: []string{"txn_amount"}, Dimensions: []string{"transactions.txn_time.week", "channels.name"},
			Where: "transactions.txn_time >= '2024-12-23' AND transactions.txn_time < '2025-01-13'"},
		sql: `
WITH t AS (
  SELECT CAST((x.txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS local_day, x.amount, x.status, ch.name AS channel
  FROM transactions x LEFT JOIN channels ch ON ch.channel_id = x.channel_id
)
SELECT local_day - CAST(isodow(local_day) - 1 AS INTEGER), channel, SUM(amount) FILTER (WHERE status = 'posted')
FROM t
WHERE local_day BETWEEN DATE '2024-12-23' AND DATE '2025-01-12'
GROUP BY 1, 2`,
	},
	{
		name: "hour_function_reads_local_time",
		q:    plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"channels.name"}, Where: "HOUR(transactions.txn_time) < 6"},
		sql: `
SELECT ch.name, COUNT(t.txn_id)
FROM transactions t LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE hour(t.txn_time + INTERVAL 8 HOUR) < 6
GROUP BY 1`,
	},

	// ---- date fields are never shifted ------------------------------------
	{
		name: "value_date_as_dimension",
		q: plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"transactions.value_date"},
			Where: "transactions.value_date BETWEEN '2024-12-28' AND '2025-01-03'"},
		sql: `
SELECT value_date, COUNT(txn_id), SUM(amount) FILTER (WHERE status = 'posted')
FROM transactions
WHERE value_date BETWEEN DATE '2024-12-28' AND DATE '2025-01-03'
GROUP BY value_date`,
	},
	{
		name: "value_date_month",
		q:    plan.Query{Metrics: []string{"txn_count", "posted_count"}, Dimensions: []string{"transactions.value_date.month"}},
		sql: `
SELECT make_date(year(value_date), month(value_date), 1), COUNT(txn_id), COUNT(*) FILTER (WHERE status = 'posted')
FROM transactions
GROUP BY 1`,
	},
	{
		name: "value_date_week",
		q: plan.Query{Metrics: []string{"posted_count"}, Dimensions: []string{"transactions.value_date.week"},
			Where: "transactions.value_date >= '2025-06-01'"},
		sql: `
SELECT value_date - CAST(isodow(value_date) - 1 AS INTEGER), COUNT(*) FILTER (WHERE status = 'posted')
FROM transactions
WHERE value_date >= DATE '2025-06-01'
GROUP BY 1`,
	},

	// ---- missing dimension rows ---------------------------------------
	{
		name: "by_branch_city_through_customers",
		q:    plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"branches.city"}},
		sql: `
SELECT b.city, COUNT(t.txn_id), SUM(t.amount) FILTER (WHERE t.status = 'posted')
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN branches b ON b.branch_id = c.branch_id
GROUP BY b.city`,
		nullIn: []string{"branches.city"},
	},
	{
		name: "segment_is_null_filter",
		q:    plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"channels.name"}, Where: "customers.segment IS NULL"},
		sql: `
SELECT ch.name, COUNT(t.txn_id), SUM(t.amount) FILTER (WHERE t.status = 'posted')
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE c.segment IS NULL
GROUP BY ch.name`,
	},
	{
		name: "by_product_category_through_accounts",
		q:    plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"products.category"}},
		sql: `
SELECT p.category, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id)
FROM transactions t
LEFT JOIN accounts a ON a.account_id = t.account_id
LEFT JOIN products p ON p.product_id = a.product_id
GROUP BY p.category`,
		nullIn: []string{"products.category"},
	},

	// ---- computed dimensions --------------------------------------------
	{
		name: "computed_age_band",
		q:    plan.Query{Metrics: []string{"txn_amount", "active_customers"}, Dimensions: []string{"customers.age_band"}},
		sql: `
SELECT CASE WHEN c.customer_id IS NULL THEN NULL
            WHEN c.birth_date > DATE '1995-01-01' THEN 'under 30'
            WHEN c.birth_date > DATE '1975-01-01' THEN '30-49'
            ELSE '50+' END AS age_band,
       SUM(t.amount) FILTER (WHERE t.status = 'posted'),
       COUNT(DISTINCT t.customer_id)
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
GROUP BY age_band`,
		nullIn: []string{"customers.age_band"},
	},
	{
		name: "computed_aum_tier_and_segment",
		q:    plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"customers.aum_tier", "customers.segment"}},
		sql: `
SELECT CASE WHEN c.customer_id IS NULL THEN NULL
            WHEN c.aum >= 1000000 THEN 'millionaire'
            WHEN c.aum >= 100000 THEN 'affluent'
            ELSE 'mass' END AS tier,
       c.segment,
       COUNT(t.txn_id)
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
GROUP BY tier, c.segment`,
		nullIn: []string{"customers.aum_tier"},
	},
	{
		name: "computed_is_large_on_fact",
		q:    plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"transactions.is_large"}},
		sql: `
SELECT amount >= 10000, COUNT(txn_id), SUM(amount) FILTER (WHERE status = 'posted')
FROM transactions
GROUP BY 1`,
	},
	{
		name: "where_on_computed_dimensions",
		q: plan.Query{Metrics: []string{"txn_amount"}, Dimensions: []string{"channels.name"},
			Where: "customers.age_band = '50+' AND transactions.is_large"},
		sql: `
SELECT ch.name, SUM(t.amount) FILTER (WHERE t.status = 'posted')
FROM transactions t
JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE c.birth_date <= DATE '1975-01-01' AND t.amount >= 10000
GROUP BY ch.name`,
	},

	// ---- the role-played calendar ----------------------------------------
	{
		name: "role_value_day_is_weekend",
		q:    plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"value_day.is_weekend"}},
		sql: `
SELECT cal.is_weekend, COUNT(t.txn_id), SUM(t.amount) FILTER (WHERE t.status = 'posted')
FROM transactions t
LEFT JOIN calendar cal ON cal.cal_date = t.value_date
GROUP BY cal.is_weekend`,
	},
	{
		name: "role_value_day_holiday_filter",
		q: plan.Query{Metrics: []string{"posted_count"}, Dimensions: []string{"value_day.fiscal_quarter"},
			Where: "value_day.is_holiday = TRUE"},
		sql: `
SELECT cal.fiscal_quarter, COUNT(*) FILTER (WHERE t.status = 'posted')
FROM transactions t
JOIN calendar cal ON cal.cal_date = t.value_date
WHERE cal.is_holiday
GROUP BY 1`,
	},

	// ---- filters -------------------------------------------------------
	{
		name: "where_in_on_ungrouped_dimension",
		q: plan.Query{Metrics: []string{"txn_amount"}, Dimensions: []string{"customers.segment"},
			Where: "channels.name IN ('mobile', 'web')"},
		sql: `
SELECT c.segment, SUM(t.amount) FILTER (WHERE t.status = 'posted')
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE ch.name = 'mobile' OR ch.name = 'web'
GROUP BY c.segment`,
	},
	{
		name: "where_between_amount",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"channels.name"},
			Where: "transactions.amount BETWEEN 100 AND 1000"},
		sql: `
SELECT ch.name, COUNT(t.txn_id)
FROM transactions t LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE t.amount >= 100 AND t.amount <= 1000
GROUP BY ch.name`,
	},
	{
		name: "where_like",
		q: plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"transactions.merchant_category"},
			Where: "transactions.merchant_category LIKE 'tr%'"},
		sql: `
SELECT merchant_category, COUNT(txn_id), SUM(amount) FILTER (WHERE status = 'posted')
FROM transactions
WHERE starts_with(merchant_category, 'tr')
GROUP BY 1`,
	},
	{
		name: "where_not_in_or_parentheses",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"transactions.status"},
			Where: "(channels.name NOT IN ('atm', 'pos') OR customers.segment = 'private') AND transactions.amount > 0"},
		sql: `
SELECT t.status, COUNT(t.txn_id)
FROM transactions t
LEFT JOIN channels ch ON ch.channel_id = t.channel_id
LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE (ch.name NOT IN ('atm', 'pos') OR c.segment = 'private') AND t.amount > 0
GROUP BY t.status`,
	},
	{
		name: "where_timestamp_literals_read_locally",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name"},
			Where: "transactions.txn_time >= TIMESTAMP '2025-01-01 00:00:00' AND transactions.txn_time < '2025-02-01'"},
		sql: `
SELECT ch.name, SUM(t.amount) FILTER (WHERE t.status = 'posted'), COUNT(t.txn_id)
FROM transactions t LEFT JOIN channels ch ON ch.channel_id = t.channel_id
WHERE t.txn_time >= TIMESTAMP '2024-12-31 16:00:00' AND t.txn_time < TIMESTAMP '2025-01-31 16:00:00'
GROUP BY ch.name`,
	},
	{
		name: "where_on_several_ungrouped_fields",
		q: plan.Query{Metrics: []string{"txn_count", "avg_amount"}, Dimensions: []string{"customers.segment"},
			Where: "channels.kind = 'digital' AND customers.gender = 'F'"},
		sql: `
SELECT c.segment, COUNT(t.txn_id), AVG(t.amount) FILTER (WHERE t.status = 'posted')
FROM transactions t
JOIN customers c ON c.customer_id = t.customer_id
JOIN channels ch ON ch.channel_id = t.channel_id
WHERE ch.kind = 'digital' AND c.gender = 'F'
GROUP BY c.segment`,
	},

	// ---- having, order, limit, offset ---------------------------------
	{
		name: "having_on_selected_metric",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"branches.city"},
			Having: "txn_amount > 1000000 AND txn_count >= 1200"},
		sql: `
SELECT b.city, SUM(t.amount) FILTER (WHERE t.status = 'posted') AS amt, COUNT(t.txn_id) AS n
FROM transactions t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN branches b ON b.branch_id = c.branch_id
GROUP BY b.city
HAVING amt > 1000000 AND n >= 1200`,
	},
	{
		name: "having_on_unselected_derived_metric",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"transactions.merchant_category"},
			Having: "reversal_rate > 0.04"},
		sql: `
SELECT merchant_category, COUNT(txn_id)
FROM transactions
GROUP BY merchant_category
HAVING COUNT(*) FILTER (WHERE status = 'reversed') / COUNT(txn_id) > 0.04`,
	},
	{
		name: "order_limit_offset",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"customers.customer_id"},
			Order: []string{"-txn_amount"}, Limit: 10, Offset: 5},
		sql: `
SELECT c.customer_id, SUM(t.amount) FILTER (WHERE t.status = 'posted') AS amt, COUNT(t.txn_id)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id
GROUP BY c.customer_id
ORDER BY amt DESC NULLS LAST
LIMIT 10 OFFSET 5`,
	},
	{
		name: "order_by_time_dimension_desc_limit",
		q: plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"transactions.txn_time.month"},
			Order: []string{"transactions.txn_time.month desc"}, Limit: 4},
		sql: `
SELECT date_trunc('month', txn_time + INTERVAL 8 HOUR)::DATE AS m, COUNT(txn_id)
FROM transactions
GROUP BY m
ORDER BY m DESC
LIMIT 4`,
	},
	{
		name: "order_by_metric_nulls_last",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_amount_prev_month"}, Dimensions: []string{"transactions.txn_time.month"},
			Order: []string{"txn_amount_prev_month"}},
		sql: `
WITH m AS (
  SELECT date_trunc('month', txn_time + INTERVAL 8 HOUR)::DATE AS month, SUM(amount) FILTER (WHERE status = 'posted') AS amt
  FROM transactions GROUP BY 1
)
SELECT cur.month, cur.amt, prev.amt
FROM m cur LEFT JOIN m prev ON prev.month = cur.month - INTERVAL 1 MONTH
ORDER BY prev.amt ASC NULLS LAST`,
		nullIn: []string{"txn_amount_prev_month"},
	},
	{
		name: "offset_without_limit",
		q:    plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"channels.name"}, Order: []string{"channels.name"}, Offset: 2},
		sql: `
SELECT ch.name, COUNT(t.txn_id)
FROM transactions t LEFT JOIN channels ch ON ch.channel_id = t.channel_id
GROUP BY ch.name
ORDER BY ch.name
OFFSET 2`,
	},

	// ---- semi-additive balances ------------------------------------------
	{
		name: "balances_last_first_and_per_account_by_month",
		q:    plan.Query{Metrics: []string{"total_balance", "opening_balance", "account_balance"}, Dimensions: []string{"balances.snapshot_date.month"}},
		sql: `
WITH b AS (
  SELECT make_date(year(snapshot_date), month(snapshot_date), 1) AS month, account_id, snapshot_date, balance FROM balances
), edges AS (
  SELECT month, MAX(snapshot_date) AS last_day, MIN(snapshot_date) AS first_day FROM b GROUP BY month
), closing AS (
  SELECT b.month, SUM(b.balance) AS v FROM b JOIN edges e ON e.month = b.month AND b.snapshot_date = e.last_day GROUP BY b.month
), opening AS (
  SELECT b.month, SUM(b.balance) AS v FROM b JOIN edges e ON e.month = b.month AND b.snapshot_date = e.first_day GROUP BY b.month
), per_account AS (
  SELECT month, SUM(last_balance) AS v
  FROM (SELECT month, account_id, arg_max(balance, snapshot_date) AS last_balance FROM b GROUP BY month, account_id)
  GROUP BY month
)
SELECT e.month, closing.v, opening.v, per_account.v
FROM edges e
LEFT JOIN closing ON closing.month = e.month
LEFT JOIN opening ON opening.month = e.month
LEFT JOIN per_account ON per_account.month = e.month`,
	},
	{
		name: "balances_by_month_and_segment",
		q:    plan.Query{Metrics: []string{"total_balance", "account_balance"}, Dimensions: []string{"balances.snapshot_date.month", "customers.segment"}},
		sql: `
WITH b AS (
  SELECT date_trunc('month', x.snapshot_date)::DATE AS month, c.segment, x.account_id, x.snapshot_date, x.balance
  FROM balances x LEFT JOIN customers c ON c.customer_id = x.customer_id
), last_day AS (
  SELECT month, MAX(snapshot_date) AS d FROM b GROUP BY month
), closing AS (
  SELECT b.month, b.segment, SUM(b.balance) AS v
  FROM b JOIN last_day l ON l.month = b.month AND b.snapshot_date = l.d
  GROUP BY b.month, b.segment
), per_account AS (
  SELECT month, segment, SUM(bal) AS v
  FROM (SELECT month, segment, account_id, arg_max(balance, snapshot_date) AS bal FROM b GROUP BY ALL)
  GROUP BY month, segment
)
SELECT COALESCE(p.month, c.month), COALESCE(p.segment, c.segment), c.v, p.v
FROM per_account p
FULL JOIN closing c ON c.month = p.month AND c.segment IS NOT DISTINCT FROM p.segment`,
	},
	{
		name: "balances_no_dimensions",
		q:    plan.Query{Metrics: []string{"total_balance", "opening_balance", "account_balance"}},
		sql: `
SELECT (SELECT SUM(balance) FROM balances WHERE snapshot_date = (SELECT MAX(snapshot_date) FROM balances)),
       (SELECT SUM(balance) FROM balances WHERE snapshot_date = (SELECT MIN(snapshot_date) FROM balances)),
       (SELECT SUM(bal) FROM (SELECT arg_max(balance, snapshot_date) AS bal FROM balances GROUP BY account_id))`,
	},
	{
		name: "balances_filter_cuts_a_period",
		q: plan.Query{Metrics: []string{"total_balance", "opening_balance"}, Dimensions: []string{"balances.snapshot_date.month"},
			Where: "balances.snapshot_date <= '2024-05-15' AND customers.segment IN ('mass', 'affluent')"},
		sql: `
WITH b AS (
  SELECT date_trunc('month', x.snapshot_date)::DATE AS month, x.snapshot_date, x.balance
  FROM balances x JOIN customers c ON c.customer_id = x.customer_id
  WHERE x.snapshot_date <= DATE '2024-05-15' AND c.segment IN ('mass', 'affluent')
)
SELECT b.month,
       SUM(b.balance) FILTER (WHERE b.snapshot_date = e.last_day),
       SUM(b.balance) FILTER (WHERE b.snapshot_date = e.first_day)
FROM b JOIN (SELECT month, MAX(snapshot_date) AS last_day, MIN(snapshot_date) AS first_day FROM b GROUP BY month) e
  ON e.month = b.month
GROUP BY b.month`,
	},
	{
		name: "balances_by_product_category_and_year",
		q:    plan.Query{Metrics: []string{"account_balance", "total_balance"}, Dimensions: []string{"products.category", "balances.snapshot_date.year"}},
		sql: `
WITH b AS (
  SELECT p.category, make_date(year(x.snapshot_date), 1, 1) AS yr, x.account_id, x.snapshot_date, x.balance
  FROM balances x
  LEFT JOIN accounts a ON a.account_id = x.account_id
  LEFT JOIN products p ON p.product_id = a.product_id
), per_account AS (
  SELECT category, yr, SUM(bal) AS v
  FROM (SELECT category, yr, account_id, arg_max(balance, snapshot_date) AS bal FROM b GROUP BY ALL)
  GROUP BY ALL
), closing AS (
  SELECT b.category, b.yr, SUM(b.balance) AS v
  FROM b WHERE b.snapshot_date = (SELECT MAX(snapshot_date) FROM b b2 WHERE b2.yr = b.yr)
  GROUP BY ALL
)
SELECT COALESCE(p.category, c.category), COALESCE(p.yr, c.yr), p.v, c.v
FROM per_account p FULL JOIN closing c ON c.category IS NOT DISTINCT FROM p.category AND c.yr = p.yr`,
		nullIn: []string{"total_balance"}, // a category whose accounts all closed before the year's last day
	},
	{
		name: "balances_week_grain",
		q: plan.Query{Metrics: []string{"total_balance"}, Dimensions: []string{"balances.snapshot_date.week"},
			Where: "balances.snapshot_date BETWEEN '2024-03-01' AND '2024-04-30'"},
		sql: `
WITH b AS (
  SELECT snapshot_date - CAST(isodow(snapshot_date) - 1 AS INTEGER) AS wk, snapshot_date, balance
  FROM balances WHERE snapshot_date BETWEEN DATE '2024-03-01' AND DATE '2024-04-30'
)
SELECT wk, SUM(balance)
FROM b
WHERE (wk, snapshot_date) IN (SELECT (wk, MAX(snapshot_date)) FROM b GROUP BY wk)
GROUP BY wk`,
	},
	{
		name: "balances_by_snapshot_date",
		q: plan.Query{Metrics: []string{"total_balance", "opening_balance"}, Dimensions: []string{"balances.snapshot_date"},
			Where: "balances.snapshot_date >= '2025-06-25'"},
		sql: `
SELECT snapshot_date, SUM(balance), SUM(balance)
FROM balances
WHERE snapshot_date >= DATE '2025-06-25'
GROUP BY snapshot_date`,
	},

	// ---- drill-across -------------------------------------------------
	{
		name: "drill_across_transactions_and_app_events_by_segment",
		q:    plan.Query{Metrics: []string{"txn_amount", "app_events", "app_users", "amount_per_user"}, Dimensions: []string{"customers.segment"}},
		sql: `
WITH t AS (
  SELECT c.segment, SUM(x.amount) FILTER (WHERE x.status = 'posted') AS amt
  FROM transactions x LEFT JOIN customers c ON c.customer_id = x.customer_id
  GROUP BY c.segment
), e AS (
  SELECT c.segment, COUNT(ev.event_id) AS events, COUNT(DISTINCT ev.customer_id) AS users
  FROM app_events ev LEFT JOIN customers c ON c.customer_id = ev.customer_id
  GROUP BY c.segment
)
SELECT COALESCE(t.segment, e.segment), t.amt, e.events, e.users, t.amt / NULLIF(e.users, 0)
FROM t FULL OUTER JOIN e ON t.segment IS NOT DISTINCT FROM e.segment`,
		nullIn: []string{"customers.segment"},
	},
	{
		name: "drill_across_transactions_and_balances_by_segment",
		q:    plan.Query{Metrics: []string{"txn_amount", "total_balance"}, Dimensions: []string{"customers.segment"}},
		sql: `
WITH t AS (
  SELECT c.segment, SUM(x.amount) FILTER (WHERE x.status = 'posted') AS amt
  FROM transactions x LEFT JOIN customers c ON c.customer_id = x.customer_id
  GROUP BY c.segment
), b AS (
  SELECT c.segment, SUM(y.balance) AS bal
  FROM balances y LEFT JOIN customers c ON c.customer_id = y.customer_id
  WHERE y.snapshot_date = (SELECT MAX(snapshot_date) FROM balances)
  GROUP BY c.segment
)
SELECT COALESCE(t.segment, b.segment), t.amt, b.bal
FROM t FULL OUTER JOIN b ON t.segment IS NOT DISTINCT FROM b.segment`,
		nullIn: []string{"customers.segment"},
	},
	{
		name: "drill_across_with_shared_filter",
		q: plan.Query{Metrics: []string{"txn_count", "logins"}, Dimensions: []string{"customers.risk_level"},
			Where: "customers.gender = 'F'"},
		sql: `
WITH t AS (
  SELECT c.risk_level, COUNT(x.txn_id) AS n
  FROM transactions x JOIN customers c ON c.customer_id = x.customer_id
  WHERE c.gender = 'F' GROUP BY 1
), e AS (
  SELECT c.risk_level, COUNT(*) FILTER (WHERE ev.event_type = 'login') AS logins
  FROM app_events ev JOIN customers c ON c.customer_id = ev.customer_id
  WHERE c.gender = 'F' GROUP BY 1
)
SELECT COALESCE(t.risk_level, e.risk_level), t.n, e.logins
FROM t FULL JOIN e ON t.risk_level IS NOT DISTINCT FROM e.risk_level`,
	},
	{
		name: "drill_across_by_customer_one_sided_groups",
		q:    plan.Query{Metrics: []string{"txn_count", "reversal_rate", "app_events"}, Dimensions: []string{"customers.customer_id"}},
		sql: `
WITH t AS (
  SELECT c.customer_id, COUNT(x.txn_id) AS n, COUNT(*) FILTER (WHERE x.status = 'reversed') AS reversed
  FROM transactions x LEFT JOIN customers c ON c.customer_id = x.customer_id
  GROUP BY 1
), e AS (
  SELECT c.customer_id, COUNT(ev.event_id) AS events
  FROM app_events ev LEFT JOIN customers c ON c.customer_id = ev.customer_id
  GROUP BY 1
)
SELECT COALESCE(t.customer_id, e.customer_id), t.n, t.reversed / NULLIF(t.n, 0), e.events
FROM t FULL JOIN e ON t.customer_id IS NOT DISTINCT FROM e.customer_id`,
		nullIn: []string{"customers.customer_id", "txn_count", "app_events"},
	},
	{
		name: "drill_across_by_dimension_date_grain",
		q:    plan.Query{Metrics: []string{"txn_count", "app_events"}, Dimensions: []string{"customers.joined_date.year"}},
		sql: `
WITH t AS (
  SELECT make_date(year(c.joined_date), 1, 1) AS yr, COUNT(x.txn_id) AS n
  FROM transactions x LEFT JOIN customers c ON c.customer_id = x.customer_id GROUP BY 1
), e AS (
  SELECT make_date(year(c.joined_date), 1, 1) AS yr, COUNT(ev.event_id) AS events
  FROM app_events ev LEFT JOIN customers c ON c.customer_id = ev.customer_id GROUP BY 1
)
SELECT COALESCE(t.yr, e.yr), t.n, e.events
FROM t FULL JOIN e ON t.yr IS NOT DISTINCT FROM e.yr`,
		nullIn: []string{"customers.joined_date.year"},
	},
	{
		name: "having_on_other_fact_metric_with_order",
		q: plan.Query{Metrics: []string{"txn_amount"}, Dimensions: []string{"customers.segment"},
			Having: "app_users > 20", Order: []string{"-txn_amount"}},
		sql: `
WITH t AS (
  SELECT c.segment, SUM(x.amount) FILTER (WHERE x.status = 'posted') AS amt
  FROM transactions x LEFT JOIN customers c ON c.customer_id = x.customer_id GROUP BY 1
), e AS (
  SELECT c.segment, COUNT(DISTINCT ev.customer_id) AS users
  FROM app_events ev LEFT JOIN customers c ON c.customer_id = ev.customer_id GROUP BY 1
)
SELECT t.segment, t.amt
FROM t JOIN e ON t.segment IS NOT DISTINCT FROM e.segment
WHERE e.users > 20
ORDER BY t.amt DESC NULLS LAST`,
	},

	// ---- period over period ----------------------------------------------
	{
		name: "pop_prev_month_and_mom_by_month",
		q:    plan.Query{Metrics: []string{"txn_amount", "txn_amount_prev_month", "txn_amount_mom"}, Dimensions: []string{"transactions.txn_time.month"}},
		sql: `
WITH m AS (
  SELECT date_trunc('month', (txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')::DATE AS month,
         SUM(amount) FILTER (WHERE status = 'posted') AS amt
  FROM transactions GROUP BY 1
)
SELECT cur.month, cur.amt, prev.amt, cur.amt / NULLIF(prev.amt, 0) - 1
FROM m cur LEFT JOIN m prev ON prev.month = cur.month - INTERVAL 1 MONTH`,
		nullIn: []string{"txn_amount_prev_month", "txn_amount_mom"},
	},
	{
		name: "pop_where_excludes_earlier_period",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_amount_prev_month", "txn_amount_mom"}, Dimensions: []string{"transactions.txn_time.month"},
			Where: "transactions.txn_time >= '2024-07-01' AND channels.name = 'mobile'"},
		sql: `
WITH m AS (
  SELECT date_trunc('month', (t.txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')::DATE AS month,
         SUM(t.amount) FILTER (WHERE t.status = 'posted') AS amt
  FROM transactions t LEFT JOIN channels ch ON ch.channel_id = t.channel_id
  WHERE ch.name = 'mobile'
  GROUP BY 1
)
SELECT cur.month, cur.amt, prev.amt, cur.amt / NULLIF(prev.amt, 0) - 1
FROM m cur LEFT JOIN m prev ON prev.month = cur.month - INTERVAL 1 MONTH
WHERE cur.month >= DATE '2024-07-01'`,
	},
	{
		name: "pop_prev_year_by_month",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_amount_prev_year"}, Dimensions: []string{"transactions.txn_time.month"},
			Where: "transactions.txn_time >= '2025-01-01'"},
		sql: `
WITH m AS (
  SELECT make_date(year(txn_time + INTERVAL 8 HOUR), month(txn_time + INTERVAL 8 HOUR), 1) AS month,
         SUM(amount) FILTER (WHERE status = 'posted') AS amt
  FROM transactions GROUP BY 1
)
SELECT cur.month, cur.amt, prev.amt
FROM m cur LEFT JOIN m prev ON prev.month = cur.month - INTERVAL 1 YEAR
WHERE cur.month >= DATE '2025-01-01'`,
	},
	{
		// Only a shifted metric: the output periods are still the query's
		// own (months of 2025 with data), not last year's periods moved
		// forward into months that have no data yet.
		name: "pop_only_shifted_metric_keeps_query_periods",
		q: plan.Query{Metrics: []string{"txn_amount_prev_year"}, Dimensions: []string{"transactions.txn_time.month"},
			Where: "transactions.txn_time >= '2025-01-01'"},
		sql: `
WITH m AS (
  SELECT date_trunc('month', txn_time + INTERVAL 8 HOUR)::DATE AS month, SUM(amount) FILTER (WHERE status = 'posted') AS amt
  FROM transactions GROUP BY 1
)
SELECT cur.month, prev.amt
FROM m cur LEFT JOIN m prev ON prev.month = cur.month - INTERVAL 1 YEAR
WHERE cur.month >= DATE '2025-01-01'`,
	},
	{
		name: "pop_prev_year_by_quarter",
		q:    plan.Query{Metrics: []string{"txn_amount_prev_year", "txn_amount"}, Dimensions: []string{"transactions.txn_time.quarter"}},
		sql: `
WITH q AS (
  SELECT date_trunc('quarter', (txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')::DATE AS qtr,
         SUM(amount) FILTER (WHERE status = 'posted') AS amt
  FROM transactions GROUP BY 1
)
SELECT cur.qtr, prev.amt, cur.amt
FROM q cur LEFT JOIN q prev ON prev.qtr = cur.qtr - INTERVAL 1 YEAR`,
		nullIn: []string{"txn_amount_prev_year"},
	},
	{
		name: "pop_mom_by_month_and_segment",
		q: plan.Query{Metrics: []string{"txn_amount_mom"}, Dimensions: []string{"transactions.txn_time.month", "customers.segment"},
			Where: "transactions.txn_time >= '2024-02-01' AND transactions.txn_time < '2024-07-01'"},
		sql: `
WITH m AS (
  SELECT date_trunc('month', (x.txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')::DATE AS month, c.segment,
         SUM(x.amount) FILTER (WHERE x.status = 'posted') AS amt
  FROM transactions x LEFT JOIN customers c ON c.customer_id = x.customer_id
  GROUP BY 1, 2
)
SELECT cur.month, cur.segment, cur.amt / NULLIF(prev.amt, 0) - 1
FROM m cur
LEFT JOIN m prev ON prev.month = cur.month - INTERVAL 1 MONTH AND prev.segment IS NOT DISTINCT FROM cur.segment
WHERE cur.month >= DATE '2024-02-01' AND cur.month < DATE '2024-07-01'`,
	},
	{
		name: "pop_prev_month_by_day_across_month_ends",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_amount_prev_month"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time >= '2024-02-25' AND transactions.txn_time < '2024-04-03'"},
		sql: `
WITH d AS (
  SELECT CAST((txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS DATE) AS day,
         SUM(amount) FILTER (WHERE status = 'posted') AS amt
  FROM transactions GROUP BY 1
)
SELECT cur.day, cur.amt, prev.amt
FROM d cur LEFT JOIN d prev ON prev.day = CAST(cur.day - INTERVAL 1 MONTH AS DATE)
WHERE cur.day >= DATE '2024-02-25' AND cur.day < DATE '2024-04-03'`,
	},
	{
		name: "pop_prev_year_by_day_leap_day",
		q: plan.Query{Metrics: []string{"txn_amount_prev_year"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time >= '2025-02-26' AND transactions.txn_time < '2025-03-03'"},
		sql: `
WITH d AS (
  SELECT CAST(txn_time + INTERVAL 8 HOUR AS DATE) AS day, SUM(amount) FILTER (WHERE status = 'posted') AS amt
  FROM transactions GROUP BY 1
)
SELECT cur.day, prev.amt
FROM d cur LEFT JOIN d prev ON prev.day = CAST(cur.day - INTERVAL 1 YEAR AS DATE)
WHERE cur.day BETWEEN DATE '2025-02-26' AND DATE '2025-03-02'`,
	},
}
