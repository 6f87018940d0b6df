WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, `channels`.`name` AS `d1`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  WHERE (((`channels`.`name` = 'app') OR (`channels`.`name` LIKE 'w%')))
    AND (((`customers`.`segment` = 'retail') OR (`transactions`.`amount` > 10)))
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`d1` AS `channels.name`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC, `channels.name` IS NULL, `channels.name` ASC
