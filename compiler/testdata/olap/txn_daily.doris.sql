-- the rollup's table
CREATE TABLE IF NOT EXISTS `_strata`.`r_txn_daily` (
  `transactions.txn_time.day` DATE NOT NULL,
  `channels.name` VARCHAR(65533) NULL,
  `customers.segment` VARCHAR(65533) NULL,
  `branches.city` VARCHAR(65533) NULL,
  `txn_amount` DECIMAL(38,2) SUM NULL,
  `txn_count` BIGINT SUM NULL,
  `posted_count` BIGINT SUM NULL,
  `reversed_count` BIGINT SUM NULL,
  `active_customers.set` BITMAP BITMAP_UNION,
  `approx_customers.set` HLL HLL_UNION,
  `max_txn` DECIMAL(18,2) MAX NULL,
  `min_txn` DECIMAL(18,2) MIN NULL,
  `avg_amount.sum` DECIMAL(38,2) SUM NULL,
  `avg_amount.count` BIGINT SUM NULL
)
AGGREGATE KEY(`transactions.txn_time.day`, `channels.name`, `customers.segment`, `branches.city`)
PARTITION BY RANGE(`transactions.txn_time.day`) ()
DISTRIBUTED BY HASH(`channels.name`) BUCKETS AUTO;

-- a partition, added when missing, then rebuilt
ALTER TABLE `_strata`.`r_txn_daily` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2025-02-01'));

INSERT OVERWRITE TABLE `_strata`.`r_txn_daily` PARTITION (`p20250101`) (`channels.name`, `customers.segment`, `branches.city`, `transactions.txn_time.day`, `txn_amount`, `txn_count`, `posted_count`, `reversed_count`, `active_customers.set`, `approx_customers.set`, `max_txn`, `min_txn`, `avg_amount.sum`, `avg_amount.count`)
SELECT `channels`.`name` AS `channels.name`, `customers`.`segment` AS `customers.segment`, `branches`.`city` AS `branches.city`, CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) AS `transactions.txn_time.day`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `txn_amount`, COUNT(`transactions`.`txn_id`) AS `txn_count`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `posted_count`, COUNT(CASE WHEN (`transactions`.`status` = 'reversed') THEN 1 END) AS `reversed_count`, bitmap_union(to_bitmap(`transactions`.`customer_id`)) AS `active_customers.set`, hll_union(hll_hash(`transactions`.`customer_id`)) AS `approx_customers.set`, MAX(`transactions`.`amount`) AS `max_txn`, MIN(`transactions`.`amount`) AS `min_txn`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.sum`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.count`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
WHERE COALESCE((CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) >= CAST('2025-01-01' AS DATE) AND CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) < CAST('2025-02-01' AS DATE)), false)
  AND `transactions`.`txn_time` >= CAST('2024-12-30 00:00:00' AS DATETIME)
  AND `transactions`.`txn_time` < CAST('2025-02-10 00:00:00' AS DATETIME)
GROUP BY 1, 2, 3, 4;

-- a full rebuild written to a new table, swapped in
ALTER TABLE `_strata`.`r_txn_daily` REPLACE WITH TABLE `r_txn_daily_next` PROPERTIES('swap' = 'true');
