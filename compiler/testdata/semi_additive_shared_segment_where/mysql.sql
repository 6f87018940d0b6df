WITH `snap0` AS (
  SELECT CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE) AS `d0`, `customers`.`segment` AS `d1`, `balances`.`snapshot_date` AS `t0`, `balances`.`balance` AS `v0`, `balances`.`account_id` AS `k0`
  FROM `balances` AS `balances`
  JOIN `customers` AS `customers` ON `balances`.`customer_id` = `customers`.`customer_id`
  JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
  WHERE (`branches`.`region` = 'North')
),
`p0` AS (
  SELECT `d0`, `d1`, SUM(`v`) AS `p0__total_balance`
  FROM (
    SELECT `snap0`.`d0`, `snap0`.`d1`, `snap0`.`v0` AS `v`
    FROM `snap0`
    JOIN (
      SELECT MAX(`t0`) AS `t_edge`
      FROM `snap0`
      GROUP BY `d0`
    ) AS `e` ON `snap0`.`t0` = `e`.`t_edge`
  ) AS `s`
  GROUP BY 1, 2
),
`p1` AS (
  SELECT `d0`, `d1`, SUM(`v`) AS `p1__account_balance`
  FROM (
    SELECT `snap0`.`d0`, `snap0`.`d1`, `snap0`.`v0` AS `v`
    FROM `snap0`
    JOIN (
      SELECT `k0` AS `k0`, MAX(`t0`) AS `t_edge`
      FROM `snap0`
      GROUP BY `d0`, `k0`
    ) AS `e` ON `snap0`.`t0` = `e`.`t_edge` AND (`snap0`.`k0` <=> `e`.`k0`)
  ) AS `s`
  GROUP BY 1, 2
),
`j` AS (
  SELECT `d0`, `d1`, MAX(`p0__total_balance`) AS `p0__total_balance`, MAX(`p1__account_balance`) AS `p1__account_balance`
  FROM (
    SELECT `d0`, `d1`, `p0__total_balance`, NULL AS `p1__account_balance` FROM `p0`
    UNION ALL
    SELECT `d0`, `d1`, NULL AS `p0__total_balance`, `p1__account_balance` FROM `p1`
  ) AS `u`
  GROUP BY `d0`, `d1`
)
SELECT * FROM (
  SELECT `b`.`d0` AS `balances.snapshot_date.month`, `b`.`d1` AS `customers.segment`, `b`.`p0__total_balance` AS `total_balance`, `b`.`p1__account_balance` AS `account_balance`
  FROM `j` AS `b`
) AS `o`
ORDER BY `balances.snapshot_date.month` IS NULL, `balances.snapshot_date.month` ASC, `customers.segment` IS NULL, `customers.segment` ASC
