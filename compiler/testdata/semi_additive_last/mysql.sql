WITH `p0` AS (
  SELECT `d0`, SUM(`v`) AS `p0__total_balance`
  FROM (
    SELECT CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE) AS `d0`, `balances`.`balance` AS `v`, `balances`.`snapshot_date` AS `t`, FIRST_VALUE(`balances`.`snapshot_date`) OVER (PARTITION BY CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE) ORDER BY `balances`.`snapshot_date` IS NULL, `balances`.`snapshot_date` DESC) AS `t_edge`
    FROM `balances` AS `balances`
  ) AS `s`
  WHERE `t` = `t_edge`
  GROUP BY 1
)
SELECT `b`.`d0` AS `balances.snapshot_date.month`, `b`.`p0__total_balance` AS `total_balance`
FROM `p0` AS `b`
ORDER BY `balances.snapshot_date.month` IS NULL, `balances.snapshot_date.month` ASC
