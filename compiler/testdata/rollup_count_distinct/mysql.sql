WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__active_customers`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__approx_customers`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__active_customers` AS `active_customers`, `b`.`p0__approx_customers` AS `approx_customers`, `b`.`p0__txn_amount` AS `txn_amount`
FROM `p0` AS `b`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
