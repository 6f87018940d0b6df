WITH `p0` AS (
  SELECT (DATE(CONVERT_TZ(`orders`.`placed_at`, 'UTC', 'Asia/Shanghai')) = CAST(DATE_FORMAT(CONVERT_TZ(`orders`.`placed_at`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE)) AS `d0`, MAKEDATE(YEAR(MAKEDATE(YEAR(`orders`.`ship_date`), 1) + INTERVAL (QUARTER(`orders`.`ship_date`) - 1) QUARTER), 1) AS `d1`, SUM(`orders`.`amount`) AS `p0__revenue`, SUM(CASE WHEN (CAST(DATE_FORMAT(CONVERT_TZ(`orders`.`placed_at`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) = '2025-01-01') THEN `orders`.`amount` END) AS `p0__january_revenue`
  FROM `orders` AS `orders`
  WHERE (MAKEDATE(YEAR(`orders`.`ship_date`), 1) + INTERVAL (QUARTER(`orders`.`ship_date`) - 1) QUARTER >= DATE '2024-10-01')
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `orders.first_of_month`, `b`.`d1` AS `orders.ship_quarter.year`, `b`.`p0__revenue` AS `revenue`, `b`.`p0__january_revenue` AS `january_revenue`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `orders.first_of_month` IS NULL, `orders.first_of_month` ASC, `orders.ship_quarter.year` IS NULL, `orders.ship_quarter.year` ASC
