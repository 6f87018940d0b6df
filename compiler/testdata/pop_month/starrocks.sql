WITH `p0` AS (
  SELECT CAST(date_trunc('month', CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= DATETIME '2024-03-01 00:00:00')
  GROUP BY 1
),
`p1` AS (
  SELECT CAST(date_trunc('month', DATE_ADD(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), INTERVAL 1 MONTH)) AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p1__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (DATE_ADD(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), INTERVAL 1 MONTH) >= DATETIME '2024-03-01 00:00:00')
  GROUP BY 1
),
`j` AS (
  SELECT `d0`, MAX(`p0__txn_amount`) AS `p0__txn_amount`, MAX(`p1__txn_amount`) AS `p1__txn_amount`
  FROM (
    SELECT `d0`, `p0__txn_amount`, NULL AS `p1__txn_amount`, 1 AS `_base` FROM `p0`
    UNION ALL
    SELECT `d0`, NULL AS `p0__txn_amount`, `p1__txn_amount`, NULL AS `_base` FROM `p1`
  ) AS `u`
  GROUP BY `d0`
  HAVING MAX(`_base`) = 1
)
SELECT `d0` AS `transactions.txn_time.month`, `p0__txn_amount` AS `txn_amount`, `p1__txn_amount` AS `txn_amount_prev_month`
FROM `j`
ORDER BY `transactions.txn_time.month` ASC NULLS LAST
