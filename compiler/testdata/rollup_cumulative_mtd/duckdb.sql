WITH "p1" AS (
  SELECT "r"."transactions.txn_time.day" AS "d0", "r"."customers.segment" AS "d1"
  FROM "_strata"."r_txn_daily" AS "r"
  WHERE (CAST("r"."transactions.txn_time.day" AS TIMESTAMP) >= TIMESTAMP '2024-03-01 00:00:00')
    AND (CAST("r"."transactions.txn_time.day" AS TIMESTAMP) < TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1, 2
),
"p0" AS (
  SELECT "k"."d0" AS "d0", "k"."d1" AS "d1", SUM("r"."txn_amount") AS "p0__txn_amount", COALESCE(strata_bitmap_count(list("r"."active_customers.set")), 0) AS "p0__active_customers"
  FROM "_strata"."r_txn_daily" AS "r"
  JOIN (SELECT DISTINCT "d0", "d1" FROM "p1") AS "k" ON ("r"."customers.segment" IS NOT DISTINCT FROM "k"."d1")
    AND CAST("r"."transactions.txn_time.day" AS TIMESTAMP) >= CAST(date_trunc('month', "k"."d0") AS DATE)
    AND CAST("r"."transactions.txn_time.day" AS TIMESTAMP) < ("k"."d0" + INTERVAL 1 DAY)
  WHERE (CAST("r"."transactions.txn_time.day" AS TIMESTAMP) >= TIMESTAMP '2024-03-01 00:00:00')
    AND (CAST("r"."transactions.txn_time.day" AS TIMESTAMP) < TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1, 2
)
SELECT "b"."d0" AS "transactions.txn_time.day", "b"."d1" AS "customers.segment", "p0"."p0__txn_amount" AS "txn_amount_mtd", "p0"."p0__active_customers" AS "active_customers_mtd"
FROM "p1" AS "b"
LEFT JOIN "p0" ON ("p0"."d0" IS NOT DISTINCT FROM "b"."d0") AND ("p0"."d1" IS NOT DISTINCT FROM "b"."d1")
ORDER BY "transactions.txn_time.day" ASC NULLS LAST, "customers.segment" ASC NULLS LAST
