WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, `transactions`.`merchant_category` AS `d1`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
  WHERE (`branches`.`region` = 'East')
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`d1` AS `transactions.merchant_category`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
