WITH "p0" AS (
  SELECT CAST(date_trunc('month', "transactions"."value_date") AS DATE) AS "d0", COUNT("transactions"."txn_id") AS "p0__txn_count"
  FROM "transactions" AS "transactions"
  WHERE ("transactions"."value_date" >= DATE '2024-04-01')
    AND ("transactions"."value_date" < DATE '2025-01-01')
  GROUP BY 1
)
SELECT "b"."d0" AS "transactions.value_date.month", "b"."p0__txn_count" AS "txn_count"
FROM "p0" AS "b"
ORDER BY "transactions.value_date.month" ASC NULLS LAST
