WITH `p0` AS (
  SELECT `branches`.`city` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `branches.city`, `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `txn_amount` IS NULL, `txn_amount` DESC, `branches.city` IS NULL, `branches.city` ASC
LIMIT 10 OFFSET 20
