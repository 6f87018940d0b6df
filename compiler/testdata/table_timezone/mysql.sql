WITH `p0` AS (
  SELECT DATE(CONVERT_TZ(`orders`.`placed_at`, 'America/New_York', 'Asia/Shanghai')) AS `d0`, SUM(`orders`.`amount`) AS `p0__revenue`
  FROM `orders` AS `orders`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `orders.placed_at.day`, `b`.`p0__revenue` AS `revenue`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `orders.placed_at.day` IS NULL, `orders.placed_at.day` ASC
