WITH `p0` AS (
  SELECT `m`.`d0`, `m`.`d1`, COALESCE(`k0`.`n`, 0) AS `p0__active_customers`
  FROM (
    SELECT `r`.`customers.segment` AS `d0`, `r`.`transactions.txn_time.month` AS `d1`
    FROM `_strata`.`r_txn_monthly_segment` AS `r`
    GROUP BY 1, 2
  ) AS `m`
  LEFT JOIN (
    SELECT `r`.`customers.segment` AS `d0`, `r`.`transactions.txn_time.month` AS `d1`, COUNT(DISTINCT `r`.`key`) AS `n`
    FROM `_strata`.`r_txn_monthly_segment_k0` AS `r`
    GROUP BY 1, 2
  ) AS `k0` ON (`k0`.`d0` <=> `m`.`d0`) AND (`k0`.`d1` <=> `m`.`d1`)
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`d1` AS `transactions.txn_time.month`, `b`.`p0__active_customers` AS `active_customers`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC, `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC
