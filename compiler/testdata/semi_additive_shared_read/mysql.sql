WITH `snap0` AS (
  SELECT CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE) AS `d0`, `balances`.`snapshot_date` AS `t0`, `balances`.`balance` AS `v0`, `balances`.`account_id` AS `k0`
  FROM `balances` AS `balances`
),
`snap0_edges0` AS (
  SELECT MAX(`t0`) AS `t_last`, MIN(`t0`) AS `t_first`
  FROM `snap0`
  GROUP BY `d0`
),
`p0` AS (
  SELECT `d0`, SUM(`v`) AS `p0__total_balance`
  FROM (
    SELECT `snap0`.`d0`, `snap0`.`v0` AS `v`
    FROM `snap0`
    JOIN `snap0_edges0` AS `e` ON `snap0`.`t0` = `e`.`t_last`
  ) AS `s`
  GROUP BY 1
),
`p1` AS (
  SELECT `d0`, SUM(`v`) AS `p1__opening_balance`
  FROM (
    SELECT `snap0`.`d0`, `snap0`.`v0` AS `v`
    FROM `snap0`
    JOIN `snap0_edges0` AS `e` ON `snap0`.`t0` = `e`.`t_first`
  ) AS `s`
  GROUP BY 1
),
`p2` AS (
  SELECT `d0`, SUM(`v`) AS `p2__account_balance`
  FROM (
    SELECT `snap0`.`d0`, `snap0`.`v0` AS `v`
    FROM `snap0`
    JOIN (
      SELECT `k0` AS `k0`, MAX(`t0`) AS `t_edge`
      FROM `snap0`
      GROUP BY `d0`, `k0`
    ) AS `e` ON `snap0`.`t0` = `e`.`t_edge` AND (`snap0`.`k0` <=> `e`.`k0`)
  ) AS `s`
  GROUP BY 1
),
`j` AS (
  SELECT `d0`, MAX(`p0__total_balance`) AS `p0__total_balance`, MAX(`p1__opening_balance`) AS `p1__opening_balance`, MAX(`p2__account_balance`) AS `p2__account_balance`
  FROM (
    SELECT `d0`, `p0__total_balance`, NULL AS `p1__opening_balance`, NULL AS `p2__account_balance` FROM `p0`
    UNION ALL
    SELECT `d0`, NULL AS `p0__total_balance`, `p1__opening_balance`, NULL AS `p2__account_balance` FROM `p1`
    UNION ALL
    SELECT `d0`, NULL AS `p0__total_balance`, NULL AS `p1__opening_balance`, `p2__account_balance` FROM `p2`
  ) AS `u`
  GROUP BY `d0`
)
SELECT * FROM (
  SELECT `b`.`d0` AS `balances.snapshot_date.month`, `b`.`p0__total_balance` AS `total_balance`, `b`.`p1__opening_balance` AS `opening_balance`, `b`.`p2__account_balance` AS `account_balance`
  FROM `j` AS `b`
) AS `o`
ORDER BY `balances.snapshot_date.month` IS NULL, `balances.snapshot_date.month` ASC
