WITH `p0` AS (
  SELECT `branches`.`region` AS `d0`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__active_customers`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `branches.region`, `b`.`p0__active_customers` AS `active_customers`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `branches.region` IS NULL, `branches.region` ASC
