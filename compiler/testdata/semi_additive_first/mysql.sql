WITH `p0` AS (
  SELECT `d0`, SUM(`v`) AS `p0__opening_balance`
  FROM (
    SELECT MAKEDATE(YEAR(`balances`.`snapshot_date`), 1) + INTERVAL (QUARTER(`balances`.`snapshot_date`) - 1) QUARTER AS `d0`, `balances`.`balance` AS `v`
    FROM `balances` AS `balances`
    JOIN (
      SELECT MIN(`balances`.`snapshot_date`) AS `t_edge`
      FROM `balances` AS `balances`
      GROUP BY MAKEDATE(YEAR(`balances`.`snapshot_date`), 1) + INTERVAL (QUARTER(`balances`.`snapshot_date`) - 1) QUARTER
    ) AS `e` ON `balances`.`snapshot_date` = `e`.`t_edge`
  ) AS `s`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `balances.snapshot_date.quarter`, `b`.`p0__opening_balance` AS `opening_balance`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `balances.snapshot_date.quarter` IS NULL, `balances.snapshot_date.quarter` ASC
