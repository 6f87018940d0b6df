WITH `p0` AS (
  SELECT `r`.`channels.name` AS `d0`, CAST(DATE_FORMAT(CAST(`r`.`transactions.txn_time.day` AS DATETIME), '%Y-%m-01') AS DATE) AS `d1`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`, COALESCE(SUM(`r`.`txn_count`), 0) AS `p0__txn_count`, (SUM(`r`.`avg_amount.sum`) / NULLIF(SUM(`r`.`avg_amount.count`), 0)) AS `p0__avg_amount`
  FROM `_strata`.`r_txn_daily` AS `r`
  WHERE (CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= '2025-01-01')
    AND (CAST(`r`.`transactions.txn_time.day` AS DATETIME) < '2025-04-01')
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `channels.name`, `b`.`d1` AS `transactions.txn_time.month`, `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p0__txn_count` AS `txn_count`, `b`.`p0__avg_amount` AS `avg_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `channels.name` IS NULL, `channels.name` ASC, `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC
