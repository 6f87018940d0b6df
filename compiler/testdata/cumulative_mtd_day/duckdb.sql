WITH "p0" AS (
  SELECT CAST(date_trunc('day', (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')) AS DATE) AS "d0", SUM(CASE WHEN ("transactions"."status" = 'posted') THEN "transactions"."amount" END) AS "p0__txn_amount"
  FROM "transactions" AS "transactions"
  WHERE ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= '2024-03-01')
    AND ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') < '2024-04-01')
  GROUP BY 1
),
"p1" AS (
  SELECT "k"."d0" AS "d0", SUM(CASE WHEN ("transactions"."status" = 'posted') THEN "transactions"."amount" END) AS "p1__txn_amount"
  FROM "transactions" AS "transactions"
  JOIN (SELECT DISTINCT "d0" FROM "p0") AS "k" ON (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= CAST(date_trunc('month', "k"."d0") AS DATE)
    AND (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') < ("k"."d0" + INTERVAL 1 DAY)
  WHERE ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= TIMESTAMP '2024-03-01 00:00:00')
    AND ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') < TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1
)
SELECT "b"."d0" AS "transactions.txn_time.day", "b"."p0__txn_amount" AS "txn_amount", "p1"."p1__txn_amount" AS "txn_amount_mtd"
FROM "p0" AS "b"
LEFT JOIN "p1" ON ("p1"."d0" IS NOT DISTINCT FROM "b"."d0")
ORDER BY "transactions.txn_time.day" ASC NULLS LAST
