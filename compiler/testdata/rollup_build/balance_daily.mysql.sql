SELECT `customers`.`segment` AS `customers.segment`, `branches`.`region` AS `branches.region`, DATE(`balances`.`snapshot_date`) AS `balances.snapshot_date.day`, SUM(`balances`.`balance`) AS `total_balance`, COUNT(*) AS `total_balance.rows`, SUM(`balances`.`balance`) AS `opening_balance`, COUNT(*) AS `opening_balance.rows`
FROM `balances` AS `balances`
LEFT JOIN `customers` AS `customers` ON `balances`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
GROUP BY 1, 2, 3
