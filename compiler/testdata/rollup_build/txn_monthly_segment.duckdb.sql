SELECT "customers"."segment" AS "customers.segment", CAST(date_trunc('month', (("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')) AS DATE) AS "transactions.txn_time.month", SUM(CASE WHEN ("transactions"."status" = 'posted') THEN "transactions"."amount" END) AS "txn_amount", COUNT("transactions"."txn_id") AS "txn_count", COUNT(CASE WHEN ("transactions"."status" = 'posted') THEN 1 END) AS "posted_count", strata_bitmap_build(list(DISTINCT CAST("transactions"."customer_id" AS BIGINT)) FILTER (WHERE "transactions"."customer_id" IS NOT NULL)) AS "active_customers.set"
FROM "transactions" AS "transactions"
LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
GROUP BY 1, 2
