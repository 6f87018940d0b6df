-- strata refresh: the partition overwrite fails: nothing to drop (a failed INSERT OVERWRITE changes nothing), the error recorded

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`rollups` (
  `name`        VARCHAR(255) NOT NULL,
  `table_name`  VARCHAR(255),
  `def_hash`    VARCHAR(64),
  `row_count`   BIGINT,
  `watermark`   VARCHAR(64),
  `built_at`    DATETIME,
  `duration_ms` DOUBLE,
  `sources`     VARCHAR(64),
  `last_error`  VARCHAR(65533),
  `last_try`    DATETIME
)
UNIQUE KEY(`name`)
DISTRIBUTED BY HASH(`name`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

CREATE TABLE IF NOT EXISTS `_strata`.`sources` (
  `name` VARCHAR(255) NOT NULL,
  `definition` VARCHAR(65533)
)
UNIQUE KEY(`name`)
DISTRIBUTED BY HASH(`name`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`definitions` (
  `rollup` VARCHAR(255) NOT NULL,
  `definition` VARCHAR(65533)
)
UNIQUE KEY(`rollup`)
DISTRIBUTED BY HASH(`rollup`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`lineage` (
  `rollup` VARCHAR(255) NOT NULL,
  `built_from` VARCHAR(255)
)
UNIQUE KEY(`rollup`)
DISTRIBUTED BY HASH(`rollup`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`partitions` (
  `rollup` VARCHAR(255) NOT NULL,
  `part` VARCHAR(32) NOT NULL,
  `row_count` BIGINT,
  `watermark` VARCHAR(64),
  `fingerprint` VARCHAR(64),
  `built_ns` BIGINT
)
UNIQUE KEY(`rollup`, `part`)
DISTRIBUTED BY HASH(`rollup`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

CREATE TABLE IF NOT EXISTS `_strata`.`rollup_files` (
  `rollup` VARCHAR(255) NOT NULL,
  `files` VARCHAR(65533),
  `others` VARCHAR(64)
)
UNIQUE KEY(`rollup`)
DISTRIBUTED BY HASH(`rollup`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`schedule` (
  `name` VARCHAR(255) NOT NULL,
  `state` VARCHAR(65533)
)
UNIQUE KEY(`name`)
DISTRIBUTED BY HASH(`name`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

CREATE TABLE IF NOT EXISTS `_strata`.`leases` (
  `name` VARCHAR(255) NOT NULL,
  `holder` VARCHAR(255) NOT NULL,
  `expires_ns` BIGINT NOT NULL
)
UNIQUE KEY(`name`)
DISTRIBUTED BY HASH(`name`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

INSERT INTO `_strata`.`leases` (`name`, `holder`, `expires_ns`) SELECT ?, ?, ? FROM (SELECT 1 AS `one`) AS `one` WHERE NOT EXISTS (SELECT 1 FROM `_strata`.`leases` WHERE `name` = ? AND `expires_ns` >= ? AND `holder` <> ?);
-- args: "txn_daily", "builder:1", <now>, "txn_daily", <now>, "builder:1"

SELECT `holder`, `expires_ns` FROM `_strata`.`leases` WHERE `name` = ?;
-- args: "txn_daily"

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`customer_id` AS VARCHAR), '\\N'), IFNULL(CAST(`branch_id` AS VARCHAR), '\\N'), IFNULL(CAST(`segment` AS VARCHAR), '\\N'), IFNULL(CAST(`risk_level` AS VARCHAR), '\\N'), IFNULL(CAST(`gender` AS VARCHAR), '\\N'), IFNULL(CAST(`birth_date` AS VARCHAR), '\\N'), IFNULL(CAST(`aum` AS VARCHAR), '\\N'), IFNULL(CAST(`joined_date` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `customers`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`account_id` AS VARCHAR), '\\N'), IFNULL(CAST(`customer_id` AS VARCHAR), '\\N'), IFNULL(CAST(`product_id` AS VARCHAR), '\\N'), IFNULL(CAST(`opened_date` AS VARCHAR), '\\N'), IFNULL(CAST(`status` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `accounts`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`channel_id` AS VARCHAR), '\\N'), IFNULL(CAST(`name` AS VARCHAR), '\\N'), IFNULL(CAST(`kind` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `channels`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`cal_date` AS VARCHAR), '\\N'), IFNULL(CAST(`is_weekend` AS VARCHAR), '\\N'), IFNULL(CAST(`is_holiday` AS VARCHAR), '\\N'), IFNULL(CAST(`fiscal_quarter` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `calendar`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`branch_id` AS VARCHAR), '\\N'), IFNULL(CAST(`name` AS VARCHAR), '\\N'), IFNULL(CAST(`city` AS VARCHAR), '\\N'), IFNULL(CAST(`region` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `branches`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`product_id` AS VARCHAR), '\\N'), IFNULL(CAST(`name` AS VARCHAR), '\\N'), IFNULL(CAST(`category` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `products`;

SELECT CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'month') AS DATE) AS `transactions.txn_time.month`, COUNT(*), CAST(MAX(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS VARCHAR)
FROM `transactions` AS `transactions`
GROUP BY 1;

SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '_strata' AND table_name = 'partitions';

SELECT `part`, `row_count`, `watermark`, `fingerprint`, `built_ns` FROM `_strata`.`partitions` WHERE `rollup` = ? ORDER BY `part`;
-- args: "txn_daily"

SELECT `rollup`, `files`, `others` FROM `_strata`.`rollup_files`;

ALTER TABLE `_strata`.`r_txn_daily_d99a9459` ADD PARTITION IF NOT EXISTS `p20250201` VALUES [('2025-02-01'), ('2025-03-01'));

ALTER TABLE `_strata`.`r_txn_daily_d99a9459` ADD PARTITION IF NOT EXISTS `p20250401` VALUES [('2025-04-01'), ('2025-05-01'));

INSERT OVERWRITE TABLE `_strata`.`r_txn_daily_d99a9459` PARTITION (`p20250201`, `p20250401`) (`channels.name`, `customers.segment`, `branches.city`, `transactions.txn_time.day`, `txn_amount`, `txn_count`, `posted_count`, `reversed_count`, `active_customers.set`, `approx_customers.set`, `max_txn`, `min_txn`, `avg_amount.sum`, `avg_amount.count`)
SELECT `channels`.`name` AS `channels.name`, `customers`.`segment` AS `customers.segment`, `branches`.`city` AS `branches.city`, CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) AS `transactions.txn_time.day`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `txn_amount`, COUNT(`transactions`.`txn_id`) AS `txn_count`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `posted_count`, COUNT(CASE WHEN (`transactions`.`status` = 'reversed') THEN 1 END) AS `reversed_count`, bitmap_union(to_bitmap(`transactions`.`customer_id`)) AS `active_customers.set`, hll_union(hll_hash(`transactions`.`customer_id`)) AS `approx_customers.set`, MAX(`transactions`.`amount`) AS `max_txn`, MIN(`transactions`.`amount`) AS `min_txn`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.sum`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.count`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
WHERE COALESCE((CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) >= CAST('2025-02-01' AS DATE) AND CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) < CAST('2025-03-01' AS DATE)) OR (CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) >= CAST('2025-04-01' AS DATE) AND CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) < CAST('2025-05-01' AS DATE)), false)
  AND `transactions`.`txn_time` >= CAST('2025-01-30 00:00:00' AS DATETIME)
  AND `transactions`.`txn_time` < CAST('2025-05-10 00:00:00' AS DATETIME)
GROUP BY 1, 2, 3, 4;

INSERT INTO `_strata`.`rollups` (`name`, `table_name`, `def_hash`, `row_count`, `watermark`, `built_at`, `duration_ms`, `sources`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "txn_daily", "_strata.r_txn_daily_d99a9459", "d99a94597046de11", 420, "2025-03-31", 2025-04-01 02:00:00, 12.5, "", "the engine could not run the query: Memory of process exceed limit", <now>

DELETE FROM `_strata`.`leases` WHERE `name` = ? AND `holder` = ?;
-- args: "txn_daily", "builder:1"
