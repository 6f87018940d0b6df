WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__active_customers`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  WHERE (MAKEDATE(YEAR(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')), 1) + INTERVAL (QUARTER(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) - 1) QUARTER IN ('2024-01-01', '2024-07-01'))
  GROUP BY 1
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p0__active_customers` AS `active_customers`
FROM `p0` AS `b`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
