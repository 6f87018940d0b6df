WITH "p2" AS (
  SELECT "r"."transactions.txn_time.month" AS "d0", "r"."customers.segment" AS "d1"
  FROM "_strata"."r_txn_monthly_segment" AS "r"
  GROUP BY 1, 2
),
"p0" AS (
  SELECT "k"."d0" AS "d0", "k"."d1" AS "d1", SUM("r"."txn_amount") AS "p0__txn_amount"
  FROM "_strata"."r_txn_daily" AS "r"
  JOIN (SELECT DISTINCT "d0", "d1" FROM "p2") AS "k" ON ("r"."customers.segment" IS NOT DISTINCT FROM "k"."d1")
    AND CAST("r"."transactions.txn_time.day" AS TIMESTAMP) >= (("k"."d0" + INTERVAL 1 MONTH) - INTERVAL 7 DAY)
    AND CAST("r"."transactions.txn_time.day" AS TIMESTAMP) < ("k"."d0" + INTERVAL 1 MONTH)
  GROUP BY 1, 2
),
"p1" AS (
  SELECT "k"."d0" AS "d0", "k"."d1" AS "d1", SUM("r"."txn_amount") AS "p1__txn_amount"
  FROM "_strata"."r_txn_monthly_segment" AS "r"
  JOIN (SELECT DISTINCT "d0", "d1" FROM "p2") AS "k" ON ("r"."customers.segment" IS NOT DISTINCT FROM "k"."d1")
    AND CAST("r"."transactions.txn_time.month" AS TIMESTAMP) >= CAST(date_trunc('year', "k"."d0") AS DATE)
    AND CAST("r"."transactions.txn_time.month" AS TIMESTAMP) < ("k"."d0" + INTERVAL 1 MONTH)
  GROUP BY 1, 2
)
SELECT "b"."d0" AS "transactions.txn_time.month", "b"."d1" AS "customers.segment", "p0"."p0__txn_amount" AS "txn_amount_7d", "p1"."p1__txn_amount" AS "txn_amount_ytd"
FROM "p2" AS "b"
LEFT JOIN "p0" ON ("p0"."d0" IS NOT DISTINCT FROM "b"."d0") AND ("p0"."d1" IS NOT DISTINCT FROM "b"."d1")
LEFT JOIN "p1" ON ("p1"."d0" IS NOT DISTINCT FROM "b"."d0") AND ("p1"."d1" IS NOT DISTINCT FROM "b"."d1")
ORDER BY "transactions.txn_time.month" ASC NULLS LAST, "customers.segment" ASC NULLS LAST
