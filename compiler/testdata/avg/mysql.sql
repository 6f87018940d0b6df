WITH `p0` AS (
  SELECT `customers`.`gender` AS `d0`, AVG(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__avg_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.gender`, `b`.`p0__avg_amount` AS `avg_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.gender` IS NULL, `customers.gender` ASC
