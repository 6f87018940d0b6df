WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, approx_count_distinct(`transactions`.`customer_id`) AS `p0__approx_customers`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__approx_customers` AS `approx_customers`
FROM `p0` AS `b`
ORDER BY `customers.segment` ASC NULLS LAST
