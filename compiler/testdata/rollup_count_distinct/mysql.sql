WITH `p0` AS (
  SELECT `m`.`d0`, COALESCE(`k0`.`n`, 0) AS `p0__active_customers`, COALESCE(`k1`.`n`, 0) AS `p0__approx_customers`, `m`.`p0__txn_amount`
  FROM (
    SELECT `r`.`customers.segment` AS `d0`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
    FROM `_strata`.`r_txn_daily` AS `r`
    GROUP BY 1
  ) AS `m`
  LEFT JOIN (
    SELECT `r`.`customers.segment` AS `d0`, COUNT(DISTINCT `r`.`key`) AS `n`
    FROM `_strata`.`r_txn_daily_k0` AS `r`
    GROUP BY 1
  ) AS `k0` ON (`k0`.`d0` <=> `m`.`d0`)
  LEFT JOIN (
    SELECT `r`.`customers.segment` AS `d0`, COUNT(DISTINCT `r`.`key`) AS `n`
    FROM `_strata`.`r_txn_daily_k1` AS `r`
    GROUP BY 1
  ) AS `k1` ON (`k1`.`d0` <=> `m`.`d0`)
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__active_customers` AS `active_customers`, `b`.`p0__approx_customers` AS `approx_customers`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
