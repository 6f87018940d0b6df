WITH `p0` AS (
  SELECT `r`.`customers.segment` AS `d0`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
  FROM `_strata`.`r_txn_monthly_segment` AS `r`
  GROUP BY 1
),
`p1` AS (
  SELECT `m`.`d0`, COALESCE(`k0`.`n`, 0) AS `p1__app_users`
  FROM (
    SELECT `r`.`customers.segment` AS `d0`
    FROM `_strata`.`r_app_daily` AS `r`
    GROUP BY 1
  ) AS `m`
  LEFT JOIN (
    SELECT `r`.`customers.segment` AS `d0`, COUNT(DISTINCT `r`.`key`) AS `n`
    FROM `_strata`.`r_app_daily_k0` AS `r`
    GROUP BY 1
  ) AS `k0` ON (`k0`.`d0` <=> `m`.`d0`)
),
`j` AS (
  SELECT `d0`, MAX(`p0__txn_amount`) AS `p0__txn_amount`, MAX(`p1__app_users`) AS `p1__app_users`
  FROM (
    SELECT `d0`, `p0__txn_amount`, NULL AS `p1__app_users` FROM `p0`
    UNION ALL
    SELECT `d0`, NULL AS `p0__txn_amount`, `p1__app_users` FROM `p1`
  ) AS `u`
  GROUP BY `d0`
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p1__app_users` AS `app_users`, (`b`.`p0__txn_amount` / NULLIF(`b`.`p1__app_users`, 0)) AS `amount_per_user`
  FROM `j` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
