WITH `p0` AS (
  SELECT `channels`.`name` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
  LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
  WHERE (`branches`.`city` = 'Shanghai')
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `channels.name`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `channels.name` IS NULL, `channels.name` ASC
