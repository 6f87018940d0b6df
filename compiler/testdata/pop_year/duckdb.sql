WITH "p1" AS (
  SELECT CAST(date_trunc('quarter', (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')) AS DATE) AS "d0", "customers"."segment" AS "d1", SUM(CASE WHEN ("transactions"."status" = 'posted') THEN "transactions"."amount" END) AS "p1__txn_amount"
  FROM "transactions" AS "transactions"
  LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
  GROUP BY 1, 2
)
SELECT "b"."d0" AS "transactions.txn_time.quarter", "b"."d1" AS "customers.segment", "p0"."p1__txn_amount" AS "txn_amount_prev_year"
FROM "p1" AS "b"
LEFT JOIN "p1" AS "p0" ON "p0"."d0" = CAST(date_trunc('quarter', ("b"."d0" - INTERVAL 1 YEAR)) AS DATE) AND ("p0"."d1" IS NOT DISTINCT FROM "b"."d1")
ORDER BY "transactions.txn_time.quarter" ASC NULLS LAST, "customers.segment" ASC NULLS LAST
