WITH `p0` AS (
  SELECT `d0`, SUM(`v`) AS `p0__total_balance`
  FROM (
    SELECT `customers`.`segment` AS `d0`, `balances`.`balance` AS `v`
    FROM `balances` AS `balances`
    LEFT JOIN `customers` AS `customers` ON `balances`.`customer_id` = `customers`.`customer_id`
    JOIN (
      SELECT MAX(`balances`.`snapshot_date`) AS `t_edge`
      FROM `balances` AS `balances`
      WHERE (`balances`.`snapshot_date` < DATE '2024-07-01')
    ) AS `e` ON `balances`.`snapshot_date` = `e`.`t_edge`
    WHERE (`balances`.`snapshot_date` < DATE '2024-07-01')
  ) AS `s`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__total_balance` AS `total_balance`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
