WITH `p0` AS (
  SELECT `r`.`transactions.txn_time.month` AS `d0`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
  FROM `_strata`.`r_txn_monthly_segment` AS `r`
  WHERE (CAST(`r`.`transactions.txn_time.month` AS DATETIME) >= '2025-01-01')
    AND (CAST(`r`.`transactions.txn_time.month` AS DATETIME) < '2025-07-01')
  GROUP BY 1
),
`p1` AS (
  SELECT `r`.`transactions.txn_time.month` AS `d0`, SUM(`r`.`txn_amount`) AS `p1__txn_amount`
  FROM `_strata`.`r_txn_monthly_segment` AS `r`
  WHERE (DATE_ADD(CAST(`r`.`transactions.txn_time.month` AS DATETIME), INTERVAL 1 MONTH) >= '2025-01-01')
    AND (DATE_ADD(CAST(`r`.`transactions.txn_time.month` AS DATETIME), INTERVAL 1 MONTH) < '2025-07-01')
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.month`, `b`.`p0__txn_amount` AS `txn_amount`, ((`b`.`p0__txn_amount` / NULLIF(`p1`.`p1__txn_amount`, 0)) - 1) AS `txn_amount_mom`
  FROM `p0` AS `b`
  LEFT JOIN `p1` ON `p1`.`d0` = CAST(DATE_FORMAT(DATE_SUB(`b`.`d0`, INTERVAL 1 MONTH), '%Y-%m-01') AS DATE)
) AS `o`
ORDER BY `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC
