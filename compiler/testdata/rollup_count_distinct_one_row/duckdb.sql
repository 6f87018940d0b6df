WITH "p0" AS (
  SELECT "r"."customers.segment" AS "d0", "r"."transactions.txn_time.month" AS "d1", COALESCE(strata_bitmap_count(list("r"."active_customers.set")), 0) AS "p0__active_customers"
  FROM "_strata"."r_txn_monthly_segment" AS "r"
  GROUP BY 1, 2
)
SELECT "b"."d0" AS "customers.segment", "b"."d1" AS "transactions.txn_time.month", "b"."p0__active_customers" AS "active_customers"
FROM "p0" AS "b"
ORDER BY "customers.segment" ASC NULLS LAST, "transactions.txn_time.month" ASC NULLS LAST
