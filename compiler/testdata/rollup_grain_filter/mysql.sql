WITH `p0` AS (
  SELECT `m`.`d0`, `m`.`p0__txn_amount`, COALESCE(`k0`.`n`, 0) AS `p0__active_customers`
  FROM (
    SELECT `r`.`customers.segment` AS `d0`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
    FROM `_strata`.`r_txn_monthly_segment` AS `r`
    WHERE (MAKEDATE(YEAR(CAST(`r`.`transactions.txn_time.month` AS DATETIME)), 1) + INTERVAL (QUARTER(CAST(`r`.`transactions.txn_time.month` AS DATETIME)) - 1) QUARTER IN ('2024-01-01', '2024-07-01'))
    GROUP BY 1
  ) AS `m`
  LEFT JOIN (
    SELECT `r`.`customers.segment` AS `d0`, COUNT(DISTINCT `r`.`key`) AS `n`
    FROM `_strata`.`r_txn_monthly_segment_k0` AS `r`
    WHERE (MAKEDATE(YEAR(CAST(`r`.`transactions.txn_time.month` AS DATETIME)), 1) + INTERVAL (QUARTER(CAST(`r`.`transactions.txn_time.month` AS DATETIME)) - 1) QUARTER IN ('2024-01-01', '2024-07-01'))
    GROUP BY 1
  ) AS `k0` ON (`k0`.`d0` <=> `m`.`d0`)
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p0__active_customers` AS `active_customers`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
