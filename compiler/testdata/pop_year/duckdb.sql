WITH "p0" AS (
  SELECT CAST(date_trunc('quarter', ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') + INTERVAL 1 YEAR)) AS DATE) AS "d0", "customers"."segment" AS "d1", SUM(CASE WHEN ("transactions"."status" = 'posted') THEN "transactions"."amount" END) AS "p0__txn_amount"
  FROM "transactions" AS "transactions"
  LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
  GROUP BY 1, 2
),
"p1" AS (
  SELECT CAST(date_trunc('quarter', (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')) AS DATE) AS "d0", "customers"."segment" AS "d1"
  FROM "transactions" AS "transactions"
  LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
  GROUP BY 1, 2
),
"j" AS (
  SELECT "d0", "d1", MAX("p0__txn_amount") AS "p0__txn_amount"
  FROM (
    SELECT "d0", "d1", "p0__txn_amount", NULL AS "_base" FROM "p0"
    UNION ALL
    SELECT "d0", "d1", NULL AS "p0__txn_amount", 1 AS "_base" FROM "p1"
  ) AS "u"
  GROUP BY "d0", "d1"
  HAVING MAX("_base") = 1
)
SELECT "d0" AS "transactions.txn_time.quarter", "d1" AS "customers.segment", "p0__txn_amount" AS "txn_amount_prev_year"
FROM "j"
ORDER BY "transactions.txn_time.quarter" ASC NULLS LAST, "customers.segment" ASC NULLS LAST
