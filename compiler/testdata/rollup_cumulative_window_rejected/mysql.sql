WITH `p2` AS (
  SELECT `r`.`transactions.txn_time.month` AS `d0`, `r`.`customers.segment` AS `d1`
  FROM `_strata`.`r_txn_monthly_segment` AS `r`
  GROUP BY 1, 2
),
`p0` AS (
  SELECT `k`.`d0` AS `d0`, `k`.`d1` AS `d1`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
  FROM `_strata`.`r_txn_daily` AS `r`
  JOIN (SELECT DISTINCT `d0`, `d1` FROM `p2`) AS `k` ON (`r`.`customers.segment` <=> `k`.`d1`)
    AND CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= DATE_SUB(DATE_ADD(`k`.`d0`, INTERVAL 1 MONTH), INTERVAL 7 DAY)
    AND CAST(`r`.`transactions.txn_time.day` AS DATETIME) < DATE_ADD(`k`.`d0`, INTERVAL 1 MONTH)
  GROUP BY 1, 2
),
`p1` AS (
  SELECT `k`.`d0` AS `d0`, `k`.`d1` AS `d1`, SUM(`r`.`txn_amount`) AS `p1__txn_amount`
  FROM `_strata`.`r_txn_monthly_segment` AS `r`
  JOIN (SELECT DISTINCT `d0`, `d1` FROM `p2`) AS `k` ON (`r`.`customers.segment` <=> `k`.`d1`)
    AND CAST(`r`.`transactions.txn_time.month` AS DATETIME) >= MAKEDATE(YEAR(`k`.`d0`), 1)
    AND CAST(`r`.`transactions.txn_time.month` AS DATETIME) < DATE_ADD(`k`.`d0`, INTERVAL 1 MONTH)
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.month`, `b`.`d1` AS `customers.segment`, `p0`.`p0__txn_amount` AS `txn_amount_7d`, `p1`.`p1__txn_amount` AS `txn_amount_ytd`
  FROM `p2` AS `b`
  LEFT JOIN `p0` ON (`p0`.`d0` <=> `b`.`d0`) AND (`p0`.`d1` <=> `b`.`d1`)
  LEFT JOIN `p1` ON (`p1`.`d0` <=> `b`.`d0`) AND (`p1`.`d1` <=> `b`.`d1`)
) AS `o`
ORDER BY `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC, `customers.segment` IS NULL, `customers.segment` ASC
