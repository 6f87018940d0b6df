WITH `p0` AS (
  SELECT `stores`.`city` AS `d0`, SUM(`orders`.`amount`) AS `p0__revenue`
  FROM `orders` AS `orders`
  LEFT JOIN `stores` AS `stores` ON `orders`.`store_id` = `stores`.`store_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `stores.city`, `b`.`p0__revenue` AS `revenue`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `stores.city` IS NULL, `stores.city` ASC
