WITH `p0` AS (
  SELECT `channels`.`name` AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
  WHERE (`transactions`.`amount` >= 10000)
    AND ((CASE WHEN `customers`.`customer_id` IS NULL THEN NULL ELSE (CASE WHEN (`customers`.`aum` >= 1000000) THEN 'millionaire' WHEN (`customers`.`aum` >= 100000) THEN 'affluent' ELSE 'mass' END) END) = 'millionaire')
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `channels.name`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `channels.name` IS NULL, `channels.name` ASC
