WITH "p0" AS (
  SELECT "customers"."segment" AS "d0", SUM(CASE WHEN ("transactions"."status" = 'posted') THEN "transactions"."amount" END) AS "p0__txn_amount"
  FROM "transactions" AS "transactions"
  LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
  WHERE ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= TIMESTAMP '2024-03-01 00:00:00')
    AND ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') < TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1
)
SELECT "b"."d0" AS "customers.segment", "b"."p0__txn_amount" AS "txn_amount"
FROM "p0" AS "b"
ORDER BY "customers.segment" ASC NULLS LAST
