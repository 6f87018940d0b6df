WITH `p0` AS (
  SELECT CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= TIMESTAMP '2024-03-01 00:00:00')
  GROUP BY 1
),
`p1` AS (
  SELECT CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p1__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (DATE_ADD(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), INTERVAL 1 MONTH) >= TIMESTAMP '2024-03-01 00:00:00')
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.month`, `b`.`p0__txn_amount` AS `txn_amount`, `p1`.`p1__txn_amount` AS `txn_amount_prev_month`
  FROM `p0` AS `b`
  LEFT JOIN `p1` ON `p1`.`d0` = CAST(DATE_FORMAT(DATE_SUB(`b`.`d0`, INTERVAL 1 MONTH), '%Y-%m-01') AS DATE)
) AS `o`
ORDER BY `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC
