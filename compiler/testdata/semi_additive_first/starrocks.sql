WITH `p0` AS (
  SELECT `d0`, SUM(`v`) AS `p0__opening_balance`
  FROM (
    SELECT CAST(date_trunc('quarter', `balances`.`snapshot_date`) AS DATE) AS `d0`, `balances`.`balance` AS `v`
    FROM `balances` AS `balances`
    JOIN (
      SELECT MIN(`balances`.`snapshot_date`) AS `t_edge`
      FROM `balances` AS `balances`
      GROUP BY CAST(date_trunc('quarter', `balances`.`snapshot_date`) AS DATE)
    ) AS `e` ON `balances`.`snapshot_date` = `e`.`t_edge`
  ) AS `s`
  GROUP BY 1
)
SELECT `b`.`d0` AS `balances.snapshot_date.quarter`, `b`.`p0__opening_balance` AS `opening_balance`
FROM `p0` AS `b`
ORDER BY `balances.snapshot_date.quarter` ASC NULLS LAST
