WITH `p0` AS (
  SELECT SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__active_customers`
  FROM `transactions` AS `transactions`
)
SELECT `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p0__active_customers` AS `active_customers`
FROM `p0` AS `b`
