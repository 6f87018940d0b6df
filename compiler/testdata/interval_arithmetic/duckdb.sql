WITH "p0" AS (
  SELECT COUNT("transactions"."txn_id") AS "p0__txn_count"
  FROM "transactions" AS "transactions"
  WHERE ((("transactions"."txn_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai') >= (DATE '2024-01-01' + INTERVAL 1 MONTH * (1)))
    AND ("transactions"."value_date" < (DATE '2024-03-01' - INTERVAL 1 WEEK * (1)))
)
SELECT "b"."p0__txn_count" AS "txn_count"
FROM "p0" AS "b"
