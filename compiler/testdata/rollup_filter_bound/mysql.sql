WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= '2025-01-01 08:00:00')
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
