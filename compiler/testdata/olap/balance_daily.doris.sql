-- the rollup's table
CREATE TABLE IF NOT EXISTS `_strata`.`r_balance_daily` (
  `balances.snapshot_date.day` DATE NOT NULL,
  `customers.segment` VARCHAR(65533) NULL,
  `branches.region` VARCHAR(65533) NULL,
  `total_balance` DECIMAL(38,2) SUM NULL,
  `total_balance.rows` BIGINT SUM NULL,
  `opening_balance` DECIMAL(38,2) SUM NULL,
  `opening_balance.rows` BIGINT SUM NULL
)
AGGREGATE KEY(`balances.snapshot_date.day`, `customers.segment`, `branches.region`)
PARTITION BY RANGE(`balances.snapshot_date.day`) ()
DISTRIBUTED BY HASH(`customers.segment`) BUCKETS AUTO;

-- a partition, added when missing, then rebuilt
ALTER TABLE `_strata`.`r_balance_daily` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2025-02-01'));

INSERT OVERWRITE TABLE `_strata`.`r_balance_daily` PARTITION (`p20250101`) (`customers.segment`, `branches.region`, `balances.snapshot_date.day`, `total_balance`, `total_balance.rows`, `opening_balance`, `opening_balance.rows`)
SELECT `customers`.`segment` AS `customers.segment`, `branches`.`region` AS `branches.region`, CAST(date_trunc(`balances`.`snapshot_date`, 'day') AS DATE) AS `balances.snapshot_date.day`, SUM(`balances`.`balance`) AS `total_balance`, COUNT(*) AS `total_balance.rows`, SUM(`balances`.`balance`) AS `opening_balance`, COUNT(*) AS `opening_balance.rows`
FROM `balances` AS `balances`
LEFT JOIN `customers` AS `customers` ON `balances`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
WHERE COALESCE((CAST(date_trunc(`balances`.`snapshot_date`, 'day') AS DATE) >= CAST('2025-01-01' AS DATE) AND CAST(date_trunc(`balances`.`snapshot_date`, 'day') AS DATE) < CAST('2025-02-01' AS DATE)), false)
  AND `balances`.`snapshot_date` >= CAST('2024-12-30' AS DATE)
  AND `balances`.`snapshot_date` < CAST('2025-02-10' AS DATE)
GROUP BY 1, 2, 3;

-- a full rebuild written to a new table, swapped in
ALTER TABLE `_strata`.`r_balance_daily` REPLACE WITH TABLE `r_balance_daily_next` PROPERTIES('swap' = 'true');
