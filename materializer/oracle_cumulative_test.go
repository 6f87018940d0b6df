package materializer_test

import "github.com/strata-metrics/strata/compiler/plan"

// Cumulative metrics against SQL written from their definition (DESIGN §4):
// for each period P the query reports, the base over the rows from the start
// of P's to_date period (or from the end of P minus the window) to the end of
// P, in local time (Asia/Shanghai), read regardless of the query's time
// filter. The hand-written SQL computes each reported period's value with a
// correlated subquery over the raw rows — a different shape from Strata's
// period join — so a distinct count is the window's own distinct count.
func init() { oracleCases = append(oracleCases, cumulativeCases...) }

const localTxns = `t AS (SELECT *, (txn_time AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai' AS lt FROM transactions)`

var cumulativeCases = []oracleCase{
	{
		// The part reads only from the first window's start: for May 30 the
		// window is [(May 31) − 3 months, May 31), which SQL clamps to
		// February 29 — the bound must not cut those days.
		name: "window_3_months_by_day_at_month_ends_clamped",
		q: plan.Query{Metrics: []string{"txn_count_3m", "txn_count"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time >= '2024-05-30' AND transactions.txn_time < '2024-06-02'"},
		sql: `
WITH ` + localTxns + `,
days AS (SELECT DISTINCT CAST(lt AS DATE) AS d FROM t WHERE lt >= TIMESTAMP '2024-05-30' AND lt < TIMESTAMP '2024-06-02')
SELECT d,
  (SELECT COUNT(txn_id) FROM t WHERE lt >= (d + INTERVAL 1 DAY) - INTERVAL 3 MONTH AND lt < d + INTERVAL 1 DAY),
  (SELECT COUNT(txn_id) FROM t WHERE CAST(lt AS DATE) = d)
FROM days`,
	},
	{
		name: "mtd_by_day_across_the_leap_day_and_month_end",
		q: plan.Query{Metrics: []string{"txn_amount", "txn_amount_mtd", "active_customers_mtd", "avg_amount_mtd"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time >= '2024-02-25' AND transactions.txn_time < '2024-03-04'"},
		sql: `
WITH ` + localTxns + `,
days AS (SELECT DISTINCT CAST(lt AS DATE) AS d FROM t WHERE lt >= TIMESTAMP '2024-02-25' AND lt < TIMESTAMP '2024-03-04')
SELECT d,
  (SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM t WHERE CAST(lt AS DATE) = d),
  (SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM t WHERE lt >= date_trunc('month', d) AND lt < d + INTERVAL 1 DAY),
  (SELECT COUNT(DISTINCT customer_id) FROM t WHERE lt >= date_trunc('month', d) AND lt < d + INTERVAL 1 DAY),
  (SELECT AVG(amount) FILTER (WHERE status = 'posted') FROM t WHERE lt >= date_trunc('month', d) AND lt < d + INTERVAL 1 DAY)
FROM days`,
	},
	{
		name: "ytd_by_month_across_the_year_end",
		q: plan.Query{Metrics: []string{"txn_amount_ytd", "txn_count_ytd", "mtd_share_of_ytd"}, Dimensions: []string{"transactions.txn_time.month"},
			Where: "transactions.txn_time >= '2024-10-01' AND transactions.txn_time < '2025-03-01'"},
		sql: `
WITH ` + localTxns + `,
months AS (SELECT DISTINCT CAST(date_trunc('month', lt) AS DATE) AS m FROM t WHERE lt >= TIMESTAMP '2024-10-01' AND lt < TIMESTAMP '2025-03-01')
SELECT m,
  (SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM t WHERE lt >= date_trunc('year', m) AND lt < m + INTERVAL 1 MONTH),
  (SELECT COUNT(txn_id) FROM t WHERE lt >= date_trunc('year', m) AND lt < m + INTERVAL 1 MONTH),
  (SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM t WHERE lt >= m AND lt < m + INTERVAL 1 MONTH)
    / NULLIF((SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM t WHERE lt >= date_trunc('year', m) AND lt < m + INTERVAL 1 MONTH), 0)
FROM months`,
	},
	{
		name: "window_7_days_by_day_across_the_year_end",
		q: plan.Query{Metrics: []string{"txn_amount_7d", "active_customers_7d", "txn_count"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time.day BETWEEN '2024-12-27' AND '2025-01-04'"},
		sql: `
WITH ` + localTxns + `,
days AS (SELECT DISTINCT CAST(lt AS DATE) AS d FROM t WHERE CAST(lt AS DATE) BETWEEN DATE '2024-12-27' AND DATE '2025-01-04')
SELECT d,
  (SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM t WHERE lt >= d - INTERVAL 6 DAY AND lt < d + INTERVAL 1 DAY),
  (SELECT COUNT(DISTINCT customer_id) FROM t WHERE lt >= d - INTERVAL 6 DAY AND lt < d + INTERVAL 1 DAY),
  (SELECT COUNT(txn_id) FROM t WHERE CAST(lt AS DATE) = d)
FROM days`,
	},
	{
		name: "window_3_months_by_month_across_the_year_end",
		q: plan.Query{Metrics: []string{"txn_count_3m", "avg_amount_3m"}, Dimensions: []string{"transactions.txn_time.month"},
			Where: "transactions.txn_time >= '2024-11-01'"},
		sql: `
WITH ` + localTxns + `,
months AS (SELECT DISTINCT CAST(date_trunc('month', lt) AS DATE) AS m FROM t WHERE lt >= TIMESTAMP '2024-11-01')
SELECT m,
  (SELECT COUNT(txn_id) FROM t WHERE lt >= m - INTERVAL 2 MONTH AND lt < m + INTERVAL 1 MONTH),
  (SELECT AVG(amount) FILTER (WHERE status = 'posted') FROM t WHERE lt >= m - INTERVAL 2 MONTH AND lt < m + INTERVAL 1 MONTH)
FROM months`,
	},
	{
		// Windows ending May 29–June 1 start three calendar months earlier:
		// February 29 (clamped from the 29th–31st), then March 1.
		name: "window_3_months_by_day_back_to_the_leap_day",
		q: plan.Query{Metrics: []string{"txn_count_3m"}, Dimensions: []string{"transactions.txn_time.day"},
			Where: "transactions.txn_time.day BETWEEN '2024-05-27' AND '2024-06-01'"},
		sql: `
WITH ` + localTxns + `,
days AS (SELECT DISTINCT CAST(lt AS DATE) AS d FROM t WHERE CAST(lt AS DATE) BETWEEN DATE '2024-05-27' AND DATE '2024-06-01')
SELECT d, (SELECT COUNT(txn_id) FROM t WHERE lt >= (d + INTERVAL 1 DAY) - INTERVAL 3 MONTH AND lt < d + INTERVAL 1 DAY)
FROM days`,
	},
	{
		name: "mtd_by_day_and_segment_null_segment_kept",
		q: plan.Query{Metrics: []string{"txn_amount_mtd", "active_customers_mtd"}, Dimensions: []string{"transactions.txn_time.day", "customers.segment"},
			Where: "transactions.txn_time.day BETWEEN '2024-06-28' AND '2024-07-02' AND transactions.channel_id IS NOT NULL"},
		sql: `
WITH ` + localTxns + `,
w AS (SELECT t.*, c.segment FROM t LEFT JOIN customers c ON c.customer_id = t.customer_id WHERE t.channel_id IS NOT NULL),
keys AS (SELECT DISTINCT CAST(lt AS DATE) AS d, segment FROM w WHERE CAST(lt AS DATE) BETWEEN DATE '2024-06-28' AND DATE '2024-07-02')
SELECT d, segment,
  (SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM w WHERE w.segment IS NOT DISTINCT FROM keys.segment AND lt >= date_trunc('month', d) AND lt < d + INTERVAL 1 DAY),
  (SELECT COUNT(DISTINCT customer_id) FROM w WHERE w.segment IS NOT DISTINCT FROM keys.segment AND lt >= date_trunc('month', d) AND lt < d + INTERVAL 1 DAY)
FROM keys`,
		nullIn: []string{"customers.segment"},
	},
	{
		name: "ytd_by_month_on_a_date_field",
		q:    plan.Query{Metrics: []string{"txn_amount_ytd", "txn_count_ytd"}, Dimensions: []string{"transactions.value_date.month"}},
		sql: `
WITH months AS (SELECT DISTINCT CAST(date_trunc('month', value_date) AS DATE) AS m FROM transactions)
SELECT m,
  (SELECT SUM(amount) FILTER (WHERE status = 'posted') FROM transactions WHERE value_date >= date_trunc('year', m) AND value_date < m + INTERVAL 1 MONTH),
  (SELECT COUNT(txn_id) FROM transactions WHERE value_date >= date_trunc('year', m) AND value_date < m + INTERVAL 1 MONTH)
FROM months`,
	},
}
