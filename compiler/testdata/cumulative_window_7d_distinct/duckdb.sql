WITH "p1" AS (
  SELECT CAST(date_trunc('day', (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')) AS DATE) AS "d0", "customers"."segment" AS "d1"
  FROM "transactions" AS "transactions"
  LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
  WHERE ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= TIMESTAMP '2024-02-01 00:00:00')
    AND ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') < TIMESTAMP '2024-03-01 00:00:00')
  GROUP BY 1, 2
),
"p0" AS (
  SELECT "k"."d0" AS "d0", "k"."d1" AS "d1", COUNT(DISTINCT "transactions"."customer_id") AS "p0__active_customers"
  FROM "transactions" AS "transactions"
  LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
  JOIN (SELECT DISTINCT "d0", "d1" FROM "p1") AS "k" ON ("customers"."segment" IS NOT DISTINCT FROM "k"."d1")
    AND (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= (("k"."d0" + INTERVAL 1 DAY) - INTERVAL 7 DAY)
    AND (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') < ("k"."d0" + INTERVAL 1 DAY)
  WHERE ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= TIMESTAMP '2024-01-26 00:00:00')
    AND ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') < TIMESTAMP '2024-03-01 00:00:00')
  GROUP BY 1, 2
)
SELECT "b"."d0" AS "transactions.txn_time.day", "b"."d1" AS "customers.segment", "p0"."p0__active_customers" AS "active_customers_7d"
FROM "p1" AS "b"
LEFT JOIN "p0" ON ("p0"."d0" IS NOT DISTINCT FROM "b"."d0") AND ("p0"."d1" IS NOT DISTINCT FROM "b"."d1")
ORDER BY "transactions.txn_time.day" ASC NULLS LAST, "customers.segment" ASC NULLS LAST
