WITH `p0` AS (
  SELECT `d0`, SUM(`v`) AS `p0__total_balance`
  FROM (
    SELECT CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE) AS `d0`, `balances`.`balance` AS `v`
    FROM `balances` AS `balances`
    JOIN (
      SELECT MAX(`balances`.`snapshot_date`) AS `t_edge`
      FROM `balances` AS `balances`
      GROUP BY CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE)
    ) AS `e` ON `balances`.`snapshot_date` = `e`.`t_edge`
  ) AS `s`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `balances.snapshot_date.month`, `b`.`p0__total_balance` AS `total_balance`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `balances.snapshot_date.month` IS NULL, `balances.snapshot_date.month` ASC
