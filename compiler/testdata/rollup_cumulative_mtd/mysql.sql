WITH `p1` AS (
  SELECT `r`.`transactions.txn_time.day` AS `d0`, `r`.`customers.segment` AS `d1`
  FROM `_strata`.`r_txn_daily` AS `r`
  WHERE (CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= TIMESTAMP '2024-03-01 00:00:00')
    AND (CAST(`r`.`transactions.txn_time.day` AS DATETIME) < TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1, 2
),
`p0` AS (
  SELECT `m`.`d0`, `m`.`d1`, `m`.`p0__txn_amount`, COALESCE(`k0`.`n`, 0) AS `p0__active_customers`
  FROM (
    SELECT `k`.`d0` AS `d0`, `k`.`d1` AS `d1`, COUNT(*) AS `rows`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
    FROM `_strata`.`r_txn_daily` AS `r`
    JOIN (SELECT DISTINCT `d0`, `d1` FROM `p1`) AS `k` ON (`r`.`customers.segment` <=> `k`.`d1`)
      AND CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= CAST(DATE_FORMAT(`k`.`d0`, '%Y-%m-01') AS DATE)
      AND CAST(`r`.`transactions.txn_time.day` AS DATETIME) < DATE_ADD(`k`.`d0`, INTERVAL 1 DAY)
    WHERE (CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= TIMESTAMP '2024-03-01 00:00:00')
      AND (CAST(`r`.`transactions.txn_time.day` AS DATETIME) < TIMESTAMP '2024-04-01 00:00:00')
    GROUP BY 1, 2
  ) AS `m`
  LEFT JOIN (
    SELECT `k`.`d0` AS `d0`, `k`.`d1` AS `d1`, COUNT(DISTINCT `r`.`key`) AS `n`
    FROM `_strata`.`r_txn_daily_k0` AS `r`
    JOIN (SELECT DISTINCT `d0`, `d1` FROM `p1`) AS `k` ON (`r`.`customers.segment` <=> `k`.`d1`)
      AND CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= CAST(DATE_FORMAT(`k`.`d0`, '%Y-%m-01') AS DATE)
      AND CAST(`r`.`transactions.txn_time.day` AS DATETIME) < DATE_ADD(`k`.`d0`, INTERVAL 1 DAY)
    WHERE (CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= TIMESTAMP '2024-03-01 00:00:00')
      AND (CAST(`r`.`transactions.txn_time.day` AS DATETIME) < TIMESTAMP '2024-04-01 00:00:00')
    GROUP BY 1, 2
  ) AS `k0` ON (`k0`.`d0` <=> `m`.`d0`) AND (`k0`.`d1` <=> `m`.`d1`)
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.day`, `b`.`d1` AS `customers.segment`, `p0`.`p0__txn_amount` AS `txn_amount_mtd`, `p0`.`p0__active_customers` AS `active_customers_mtd`
  FROM `p1` AS `b`
  LEFT JOIN `p0` ON (`p0`.`d0` <=> `b`.`d0`) AND (`p0`.`d1` <=> `b`.`d1`)
) AS `o`
ORDER BY `transactions.txn_time.day` IS NULL, `transactions.txn_time.day` ASC, `customers.segment` IS NULL, `customers.segment` ASC
