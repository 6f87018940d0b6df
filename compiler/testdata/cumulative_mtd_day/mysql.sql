WITH `p0` AS (
  SELECT DATE(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= '2024-03-01')
    AND (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < '2024-04-01')
  GROUP BY 1
),
`p1` AS (
  SELECT `k`.`d0` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p1__txn_amount`
  FROM `transactions` AS `transactions`
  JOIN (SELECT DISTINCT `d0` FROM `p0`) AS `k` ON CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= CAST(DATE_FORMAT(`k`.`d0`, '%Y-%m-01') AS DATE)
    AND CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < DATE_ADD(`k`.`d0`, INTERVAL 1 DAY)
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= TIMESTAMP '2024-03-01 00:00:00')
    AND (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.day`, `b`.`p0__txn_amount` AS `txn_amount`, `p1`.`p1__txn_amount` AS `txn_amount_mtd`
  FROM `p0` AS `b`
  LEFT JOIN `p1` ON (`p1`.`d0` <=> `b`.`d0`)
) AS `o`
ORDER BY `transactions.txn_time.day` IS NULL, `transactions.txn_time.day` ASC
