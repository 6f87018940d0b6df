WITH `p0` AS (
  SELECT `branches`.`city` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `branches.city`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
  WHERE ((`b`.`p0__txn_amount` > 1000000) AND (`b`.`p0__txn_count` >= 10))
) AS `o`
ORDER BY `branches.city` IS NULL, `branches.city` ASC
