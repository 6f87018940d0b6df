WITH `p0` AS (
  SELECT `d0`, SUM(CASE WHEN (`t0` = `e0`) THEN `v0` END) AS `p0__total_balance`
  FROM (
    SELECT `customers`.`segment` AS `d0`, `balances`.`balance` AS `v0`, `balances`.`snapshot_date` AS `t0`, MAX(`balances`.`snapshot_date`) OVER () AS `e0`
    FROM `balances` AS `balances`
    LEFT JOIN `customers` AS `customers` ON `balances`.`customer_id` = `customers`.`customer_id`
    WHERE (`balances`.`snapshot_date` < DATE '2024-07-01')
  ) AS `s`
  WHERE (`t0` = `e0`)
  GROUP BY 1
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__total_balance` AS `total_balance`
FROM `p0` AS `b`
ORDER BY `customers.segment` ASC NULLS LAST
