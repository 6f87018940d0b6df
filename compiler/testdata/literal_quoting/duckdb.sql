WITH "p0" AS (
  SELECT COUNT("transactions"."txn_id") AS "p0__txn_count"
  FROM "transactions" AS "transactions"
  WHERE ("transactions"."merchant_category" = 'a'' OR ''1''=''1')
    AND ("transactions"."status" <> '\')
)
SELECT "b"."p0__txn_count" AS "txn_count"
FROM "p0" AS "b"
