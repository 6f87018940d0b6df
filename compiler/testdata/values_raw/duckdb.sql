WITH "p0" AS (
  SELECT "customers"."segment" AS "d0", "transactions"."status" AS "d1"
  FROM "transactions" AS "transactions"
  JOIN "channels" AS "channels" ON "transactions"."channel_id" = "channels"."channel_id"
  LEFT JOIN "customers" AS "customers" ON "transactions"."customer_id" = "customers"."customer_id"
  WHERE ("channels"."name" IN ('mobile', 'web'))
  GROUP BY 1, 2
)
SELECT "b"."d0" AS "customers.segment", "b"."d1" AS "transactions.status"
FROM "p0" AS "b"
ORDER BY "customers.segment" DESC NULLS LAST
LIMIT 3
