WITH `p0` AS (
  SELECT `d0`, SUM(`total_balance`) AS `p0__total_balance`
  FROM (
    SELECT `r`.`branches.region` AS `d0`, `r`.`total_balance` AS `total_balance`, `r`.`total_balance.rows` AS `total_balance.rows`
    FROM `_strata`.`r_balance_daily` AS `r`
    JOIN (
      SELECT MAX(`r`.`balances.snapshot_date.day`) AS `t_edge`
      FROM `_strata`.`r_balance_daily` AS `r`
      WHERE (`r`.`balances.snapshot_date.day` >= DATE '2024-01-01')
        AND (`r`.`balances.snapshot_date.day` < DATE '2024-07-01')
        AND `r`.`total_balance.rows` > 0
    ) AS `e` ON `r`.`balances.snapshot_date.day` = `e`.`t_edge`
    WHERE (`r`.`balances.snapshot_date.day` >= DATE '2024-01-01')
      AND (`r`.`balances.snapshot_date.day` < DATE '2024-07-01')
      AND `r`.`total_balance.rows` > 0
  ) AS `s`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `branches.region`, `b`.`p0__total_balance` AS `total_balance`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `branches.region` IS NULL, `branches.region` ASC
