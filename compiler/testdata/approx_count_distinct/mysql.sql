WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__approx_customers`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__approx_customers` AS `approx_customers`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
