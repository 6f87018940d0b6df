WITH `p0` AS (
  SELECT `d0`, `d1`, SUM(`v`) AS `p0__account_balance`
  FROM (
    SELECT CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE) AS `d0`, `products`.`category` AS `d1`, `balances`.`balance` AS `v`
    FROM `balances` AS `balances`
    LEFT JOIN `accounts` AS `accounts` ON `balances`.`account_id` = `accounts`.`account_id`
    LEFT JOIN `products` AS `products` ON `accounts`.`product_id` = `products`.`product_id`
    JOIN (
      SELECT `balances`.`account_id` AS `k0`, MAX(`balances`.`snapshot_date`) AS `t_edge`
      FROM `balances` AS `balances`
      GROUP BY CAST(DATE_FORMAT(`balances`.`snapshot_date`, '%Y-%m-01') AS DATE), `balances`.`account_id`
    ) AS `e` ON `balances`.`snapshot_date` = `e`.`t_edge` AND (`balances`.`account_id` <=> `e`.`k0`)
  ) AS `s`
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `balances.snapshot_date.month`, `b`.`d1` AS `products.category`, `b`.`p0__account_balance` AS `account_balance`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `balances.snapshot_date.month` IS NULL, `balances.snapshot_date.month` ASC, `products.category` IS NULL, `products.category` ASC
