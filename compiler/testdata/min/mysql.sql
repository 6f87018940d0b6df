WITH `p0` AS (
  SELECT `transactions`.`merchant_category` AS `d0`, MIN(`transactions`.`amount`) AS `p0__min_txn`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.merchant_category`, `b`.`p0__min_txn` AS `min_txn`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.merchant_category` IS NULL, `transactions.merchant_category` ASC
