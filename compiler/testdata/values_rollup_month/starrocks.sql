WITH `p0` AS (
  SELECT `r`.`customers.segment` AS `d0`, `r`.`transactions.txn_time.month` AS `d1`
  FROM `_strata`.`r_txn_monthly_segment` AS `r`
  WHERE (CAST(`r`.`transactions.txn_time.month` AS DATETIME) >= '2025-01-01')
    AND (CAST(`r`.`transactions.txn_time.month` AS DATETIME) < '2025-04-01')
  GROUP BY 1, 2
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`d1` AS `transactions.txn_time.month`
FROM `p0` AS `b`
ORDER BY `customers.segment` ASC NULLS LAST, `transactions.txn_time.month` ASC NULLS LAST
