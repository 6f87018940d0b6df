WITH `p1` AS (
  SELECT `r`.`transactions.txn_time.day` AS `d0`, `r`.`customers.segment` AS `d1`
  FROM `_strata`.`r_txn_daily` AS `r`
  WHERE (CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= TIMESTAMP '2024-03-01 00:00:00')
    AND (CAST(`r`.`transactions.txn_time.day` AS DATETIME) < TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1, 2
),
`p0` AS (
  SELECT `k`.`d0` AS `d0`, `k`.`d1` AS `d1`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__active_customers`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  JOIN (SELECT DISTINCT `d0`, `d1` FROM `p1`) AS `k` ON (`customers`.`segment` <=> `k`.`d1`)
    AND CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= CAST(DATE_FORMAT(`k`.`d0`, '%Y-%m-01') AS DATE)
    AND CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < DATE_ADD(`k`.`d0`, INTERVAL 1 DAY)
  GROUP BY 1, 2
)
SELECT `b`.`d0` AS `transactions.txn_time.day`, `b`.`d1` AS `customers.segment`, `p0`.`p0__txn_amount` AS `txn_amount_mtd`, `p0`.`p0__active_customers` AS `active_customers_mtd`
FROM `p1` AS `b`
LEFT JOIN `p0` ON (`p0`.`d0` <=> `b`.`d0`) AND (`p0`.`d1` <=> `b`.`d1`)
ORDER BY `transactions.txn_time.day` IS NULL, `transactions.txn_time.day` ASC, `customers.segment` IS NULL, `customers.segment` ASC
