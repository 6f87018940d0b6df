-- the rollup's table
CREATE TABLE IF NOT EXISTS `_strata`.`r_txn_monthly_segment` (
  `transactions.txn_time.month` DATE NOT NULL,
  `customers.segment` VARCHAR(65533) NULL,
  `txn_amount` DECIMAL(38,2) SUM NULL,
  `txn_count` BIGINT SUM NULL,
  `posted_count` BIGINT SUM NULL,
  `active_customers.set` BITMAP BITMAP_UNION
)
AGGREGATE KEY(`transactions.txn_time.month`, `customers.segment`)
PARTITION BY RANGE(`transactions.txn_time.month`) ()
DISTRIBUTED BY HASH(`customers.segment`) BUCKETS AUTO;

-- a partition, added when missing, then rebuilt
ALTER TABLE `_strata`.`r_txn_monthly_segment` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2026-01-01'));

INSERT OVERWRITE TABLE `_strata`.`r_txn_monthly_segment` PARTITION (`p20250101`) (`customers.segment`, `transactions.txn_time.month`, `txn_amount`, `txn_count`, `posted_count`, `active_customers.set`)
SELECT `customers`.`segment` AS `customers.segment`, CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'month') AS DATE) AS `transactions.txn_time.month`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `txn_amount`, COUNT(`transactions`.`txn_id`) AS `txn_count`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `posted_count`, bitmap_union(to_bitmap(`transactions`.`customer_id`)) AS `active_customers.set`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
WHERE COALESCE((CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'month') AS DATE) >= CAST('2025-01-01' AS DATE) AND CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'month') AS DATE) < CAST('2026-01-01' AS DATE)), false)
  AND `transactions`.`txn_time` >= CAST('2024-12-30 00:00:00' AS DATETIME)
  AND `transactions`.`txn_time` < CAST('2026-01-10 00:00:00' AS DATETIME)
GROUP BY 1, 2;

-- a full rebuild written to a new table, swapped in
ALTER TABLE `_strata`.`r_txn_monthly_segment` REPLACE WITH TABLE `r_txn_monthly_segment_next` PROPERTIES('swap' = 'true');
