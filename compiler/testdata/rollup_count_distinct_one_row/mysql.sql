WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) AS `d1`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__active_customers`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1, 2
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`d1` AS `transactions.txn_time.month`, `b`.`p0__active_customers` AS `active_customers`
FROM `p0` AS `b`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC, `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC
