WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
),
`p1` AS (
  SELECT `d0`, SUM(`v`) AS `p1__total_balance`
  FROM (
    SELECT `customers`.`segment` AS `d0`, `balances`.`balance` AS `v`
    FROM `balances` AS `balances`
    LEFT JOIN `customers` AS `customers` ON `balances`.`customer_id` = `customers`.`customer_id`
    JOIN (
      SELECT MAX(`balances`.`snapshot_date`) AS `t_edge`
      FROM `balances` AS `balances`
    ) AS `e` ON `balances`.`snapshot_date` = `e`.`t_edge`
  ) AS `s`
  GROUP BY 1
),
`j` AS (
  SELECT `d0`, MAX(`p0__txn_amount`) AS `p0__txn_amount`, MAX(`p1__total_balance`) AS `p1__total_balance`
  FROM (
    SELECT `d0`, `p0__txn_amount`, NULL AS `p1__total_balance` FROM `p0`
    UNION ALL
    SELECT `d0`, NULL AS `p0__txn_amount`, `p1__total_balance` FROM `p1`
  ) AS `u`
  GROUP BY `d0`
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p1__total_balance` AS `total_balance`
  FROM `j` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
