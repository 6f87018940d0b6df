WITH `p0` AS (
  SELECT `d0`, `d1`, SUM(`total_balance`) AS `p0__total_balance`
  FROM (
    SELECT MAKEDATE(YEAR(`r`.`balances.snapshot_date.day`), 1) + INTERVAL (QUARTER(`r`.`balances.snapshot_date.day`) - 1) QUARTER AS `d0`, `r`.`branches.region` AS `d1`, `r`.`total_balance` AS `total_balance`, `r`.`total_balance.rows` AS `total_balance.rows`
    FROM `_strata`.`r_balance_daily` AS `r`
    JOIN (
      SELECT MAX(`r`.`balances.snapshot_date.day`) AS `t_edge`
      FROM `_strata`.`r_balance_daily` AS `r`
      WHERE `r`.`total_balance.rows` > 0
      GROUP BY MAKEDATE(YEAR(`r`.`balances.snapshot_date.day`), 1) + INTERVAL (QUARTER(`r`.`balances.snapshot_date.day`) - 1) QUARTER
    ) AS `e` ON `r`.`balances.snapshot_date.day` = `e`.`t_edge`
    WHERE `r`.`total_balance.rows` > 0
  ) AS `s`
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `balances.snapshot_date.quarter`, `b`.`d1` AS `branches.region`, `b`.`p0__total_balance` AS `total_balance`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `balances.snapshot_date.quarter` IS NULL, `balances.snapshot_date.quarter` ASC, `branches.region` IS NULL, `branches.region` ASC
