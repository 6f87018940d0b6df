WITH `p1` AS (
  SELECT DATE(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS `d0`, `customers`.`segment` AS `d1`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= TIMESTAMP '2024-02-01 00:00:00')
    AND (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < TIMESTAMP '2024-03-01 00:00:00')
  GROUP BY 1, 2
),
`p0` AS (
  SELECT `k`.`d0` AS `d0`, `k`.`d1` AS `d1`, COUNT(DISTINCT `transactions`.`customer_id`) AS `p0__active_customers`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  JOIN (SELECT DISTINCT `d0`, `d1` FROM `p1`) AS `k` ON (`customers`.`segment` <=> `k`.`d1`)
    AND CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= DATE_SUB(DATE_ADD(`k`.`d0`, INTERVAL 1 DAY), INTERVAL 7 DAY)
    AND CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < DATE_ADD(`k`.`d0`, INTERVAL 1 DAY)
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= TIMESTAMP '2024-01-26 00:00:00')
    AND (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < TIMESTAMP '2024-03-01 00:00:00')
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.day`, `b`.`d1` AS `customers.segment`, `p0`.`p0__active_customers` AS `active_customers_7d`
  FROM `p1` AS `b`
  LEFT JOIN `p0` ON (`p0`.`d0` <=> `b`.`d0`) AND (`p0`.`d1` <=> `b`.`d1`)
) AS `o`
ORDER BY `transactions.txn_time.day` IS NULL, `transactions.txn_time.day` ASC, `customers.segment` IS NULL, `customers.segment` ASC
