WITH "p0" AS (
  SELECT "r"."customers.segment" AS "d0", SUM("r"."txn_amount") AS "p0__txn_amount", COALESCE(strata_bitmap_count(list("r"."active_customers.set")), 0) AS "p0__active_customers"
  FROM "_strata"."r_txn_monthly_segment" AS "r"
  WHERE (CAST(date_trunc('quarter', CAST("r"."transactions.txn_time.month" AS TIMESTAMP)) AS DATE) IN ('2024-01-01', '2024-07-01'))
  GROUP BY 1
)
SELECT "b"."d0" AS "customers.segment", "b"."p0__txn_amount" AS "txn_amount", "b"."p0__active_customers" AS "active_customers"
FROM "p0" AS "b"
ORDER BY "customers.segment" ASC NULLS LAST
