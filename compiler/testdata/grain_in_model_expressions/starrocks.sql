WITH `p0` AS (
  SELECT (CAST(date_trunc('day', CONVERT_TZ(`orders`.`placed_at`, 'UTC', 'Asia/Shanghai')) AS DATE) = CAST(date_trunc('month', CONVERT_TZ(`orders`.`placed_at`, 'UTC', 'Asia/Shanghai')) AS DATE)) AS `d0`, CAST(date_trunc('year', CAST(date_trunc('quarter', `orders`.`ship_date`) AS DATE)) AS DATE) AS `d1`, SUM(`orders`.`amount`) AS `p0__revenue`, SUM(CASE WHEN (CAST(date_trunc('month', CONVERT_TZ(`orders`.`placed_at`, 'UTC', 'Asia/Shanghai')) AS DATE) = '2025-01-01') THEN `orders`.`amount` END) AS `p0__january_revenue`
  FROM `orders` AS `orders`
  WHERE (CAST(date_trunc('quarter', `orders`.`ship_date`) AS DATE) >= DATE '2024-10-01')
  GROUP BY 1, 2
)
SELECT `b`.`d0` AS `orders.first_of_month`, `b`.`d1` AS `orders.ship_quarter.year`, `b`.`p0__revenue` AS `revenue`, `b`.`p0__january_revenue` AS `january_revenue`
FROM `p0` AS `b`
ORDER BY `orders.first_of_month` ASC NULLS LAST, `orders.ship_quarter.year` ASC NULLS LAST
