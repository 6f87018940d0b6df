WITH `p0` AS (
  SELECT CAST(date_trunc('month', CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= DATETIME '2024-03-01 00:00:00')
  GROUP BY 1
),
`p1` AS (
  SELECT CAST(date_trunc('month', CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p1__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (DATE_ADD(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), INTERVAL 1 MONTH) >= DATETIME '2024-03-01 00:00:00')
  GROUP BY 1
)
SELECT `b`.`d0` AS `transactions.txn_time.month`, `b`.`p0__txn_amount` AS `txn_amount`, `p1`.`p1__txn_amount` AS `txn_amount_prev_month`
FROM `p0` AS `b`
LEFT JOIN `p1` ON `p1`.`d0` = CAST(date_trunc('month', DATE_SUB(`b`.`d0`, INTERVAL 1 MONTH)) AS DATE)
ORDER BY `transactions.txn_time.month` ASC NULLS LAST
