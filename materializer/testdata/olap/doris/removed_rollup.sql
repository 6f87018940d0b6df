-- strata refresh: a rollup the model no longer has: its state rows deleted and its table dropped, one statement at a time, before the build of the others

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

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

DELETE FROM `_strata`.`rollups` WHERE `name` = ?;
-- args: "txn_weekly"

DELETE FROM `_strata`.`definitions` WHERE `rollup` = ?;
-- args: "txn_weekly"

DELETE FROM `_strata`.`lineage` WHERE `rollup` = ?;
-- args: "txn_weekly"

DELETE FROM `_strata`.`partitions` WHERE `rollup` = ?;
-- args: "txn_weekly"

DELETE FROM `_strata`.`rollup_files` WHERE `rollup` = ?;
-- args: "txn_weekly"

DROP TABLE IF EXISTS `_strata`.`r_txn_weekly_0ldhash0`;

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

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

DROP TABLE IF EXISTS `_strata`.`r_txn_daily_d99a9459`;

CREATE TABLE IF NOT EXISTS `_strata`.`r_txn_daily_d99a9459` (
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

ALTER TABLE `_strata`.`r_txn_daily_d99a9459` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2025-02-01'));

ALTER TABLE `_strata`.`r_txn_daily_d99a9459` ADD PARTITION IF NOT EXISTS `p20250201` VALUES [('2025-02-01'), ('2025-03-01'));

ALTER TABLE `_strata`.`r_txn_daily_d99a9459` ADD PARTITION IF NOT EXISTS `p20250301` VALUES [('2025-03-01'), ('2025-04-01'));

INSERT INTO `_strata`.`r_txn_daily_d99a9459` (`channels.name`, `customers.segment`, `branches.city`, `transactions.txn_time.day`, `txn_amount`, `txn_count`, `posted_count`, `reversed_count`, `active_customers.set`, `approx_customers.set`, `max_txn`, `min_txn`, `avg_amount.sum`, `avg_amount.count`)
SELECT `channels`.`name` AS `channels.name`, `customers`.`segment` AS `customers.segment`, `branches`.`city` AS `branches.city`, CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) AS `transactions.txn_time.day`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `txn_amount`, COUNT(`transactions`.`txn_id`) AS `txn_count`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `posted_count`, COUNT(CASE WHEN (`transactions`.`status` = 'reversed') THEN 1 END) AS `reversed_count`, bitmap_union(to_bitmap(`transactions`.`customer_id`)) AS `active_customers.set`, hll_union(hll_hash(`transactions`.`customer_id`)) AS `approx_customers.set`, MAX(`transactions`.`amount`) AS `max_txn`, MIN(`transactions`.`amount`) AS `min_txn`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.sum`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.count`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
GROUP BY 1, 2, 3, 4;

SELECT CAST(date_trunc(`transactions.txn_time.day`, 'month') AS DATE), COUNT(*), MAX(`transactions.txn_time.day`) FROM `_strata`.`r_txn_daily_d99a9459` GROUP BY 1;

SELECT COUNT(*), MAX(`txn_time`), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`txn_time` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `transactions`;

DELETE FROM `_strata`.`partitions` WHERE `rollup` = ?;
-- args: "txn_daily"

INSERT INTO `_strata`.`partitions` (`rollup`, `part`, `row_count`, `watermark`, `fingerprint`, `built_ns`) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?);
-- args: "txn_daily", "2025-01-01", 100, "2025-01-31", "1000:2025-01-31 23:59:00", <now>, "txn_daily", "2025-02-01", 90, "2025-02-28", "900:2025-02-28 23:59:00", <now>, "txn_daily", "2025-03-01", 95, "2025-03-31", "950:2025-03-31 23:59:00", <now>

DELETE FROM `_strata`.`definitions` WHERE `rollup` = ?;
-- args: "txn_daily"

INSERT INTO `_strata`.`definitions` (`rollup`, `definition`) VALUES (?, ?);
-- args: "txn_daily", "v2"…(61 lines)

INSERT INTO `_strata`.`rollup_files` (`rollup`, `files`, `others`) VALUES (?, ?, ?);
-- args: "txn_daily", "[]", "8dec8bffacce5699"

INSERT INTO `_strata`.`lineage` (`rollup`, `built_from`) VALUES (?, ?);
-- args: "txn_daily", ""

INSERT INTO `_strata`.`rollups` (`name`, `table_name`, `def_hash`, `row_count`, `watermark`, `built_at`, `duration_ms`, `sources`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "txn_daily", "_strata.r_txn_daily_d99a9459", "d99a94597046de11", 285, "2025-03-31", <now>, <ms>, "82ac7465fbcb33d0", NULL, <now>

DELETE FROM `_strata`.`leases` WHERE `name` = ? AND `holder` = ?;
-- args: "txn_daily", "builder:1"

INSERT INTO `_strata`.`leases` (`name`, `holder`, `expires_ns`) SELECT ?, ?, ? FROM (SELECT 1 AS `one`) AS `one` WHERE NOT EXISTS (SELECT 1 FROM `_strata`.`leases` WHERE `name` = ? AND `expires_ns` >= ? AND `holder` <> ?);
-- args: "txn_monthly_segment", "builder:1", <now>, "txn_monthly_segment", <now>, "builder:1"

SELECT `holder`, `expires_ns` FROM `_strata`.`leases` WHERE `name` = ?;
-- args: "txn_monthly_segment"

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

SELECT CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'year') AS DATE) AS `transactions.txn_time.year`, COUNT(*), CAST(MAX(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS VARCHAR)
FROM `transactions` AS `transactions`
GROUP BY 1;

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

DROP TABLE IF EXISTS `_strata`.`r_txn_monthly_segment_e0cac7a7`;

CREATE TABLE IF NOT EXISTS `_strata`.`r_txn_monthly_segment_e0cac7a7` (
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

ALTER TABLE `_strata`.`r_txn_monthly_segment_e0cac7a7` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2026-01-01'));

INSERT INTO `_strata`.`r_txn_monthly_segment_e0cac7a7` (`customers.segment`, `transactions.txn_time.month`, `txn_amount`, `txn_count`, `posted_count`, `active_customers.set`)
SELECT `customers`.`segment` AS `customers.segment`, CAST(date_trunc(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), 'month') AS DATE) AS `transactions.txn_time.month`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `txn_amount`, COUNT(`transactions`.`txn_id`) AS `txn_count`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `posted_count`, bitmap_union(to_bitmap(`transactions`.`customer_id`)) AS `active_customers.set`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
GROUP BY 1, 2;

SELECT CAST(date_trunc(`transactions.txn_time.month`, 'year') AS DATE), COUNT(*), MAX(`transactions.txn_time.month`) FROM `_strata`.`r_txn_monthly_segment_e0cac7a7` GROUP BY 1;

SELECT COUNT(*), MAX(`txn_time`), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`txn_time` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `transactions`;

DELETE FROM `_strata`.`partitions` WHERE `rollup` = ?;
-- args: "txn_monthly_segment"

INSERT INTO `_strata`.`partitions` (`rollup`, `part`, `row_count`, `watermark`, `fingerprint`, `built_ns`) VALUES (?, ?, ?, ?, ?, ?);
-- args: "txn_monthly_segment", "2025-01-01", 285, "2025-03-31", "2850:2025-03-31 23:59:00", <now>

DELETE FROM `_strata`.`definitions` WHERE `rollup` = ?;
-- args: "txn_monthly_segment"

INSERT INTO `_strata`.`definitions` (`rollup`, `definition`) VALUES (?, ?);
-- args: "txn_monthly_segment", "v2"…(54 lines)

INSERT INTO `_strata`.`rollup_files` (`rollup`, `files`, `others`) VALUES (?, ?, ?);
-- args: "txn_monthly_segment", "[]", "8dec8bffacce5699"

INSERT INTO `_strata`.`lineage` (`rollup`, `built_from`) VALUES (?, ?);
-- args: "txn_monthly_segment", ""

INSERT INTO `_strata`.`rollups` (`name`, `table_name`, `def_hash`, `row_count`, `watermark`, `built_at`, `duration_ms`, `sources`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "txn_monthly_segment", "_strata.r_txn_monthly_segment_e0cac7a7", "e0cac7a7b9993eb6", 285, "2025-03-31", <now>, <ms>, "82ac7465fbcb33d0", NULL, <now>

DELETE FROM `_strata`.`leases` WHERE `name` = ? AND `holder` = ?;
-- args: "txn_monthly_segment", "builder:1"

INSERT INTO `_strata`.`leases` (`name`, `holder`, `expires_ns`) SELECT ?, ?, ? FROM (SELECT 1 AS `one`) AS `one` WHERE NOT EXISTS (SELECT 1 FROM `_strata`.`leases` WHERE `name` = ? AND `expires_ns` >= ? AND `holder` <> ?);
-- args: "balance_daily", "builder:1", <now>, "balance_daily", <now>, "builder:1"

SELECT `holder`, `expires_ns` FROM `_strata`.`leases` WHERE `name` = ?;
-- args: "balance_daily"

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`customer_id` AS VARCHAR), '\\N'), IFNULL(CAST(`branch_id` AS VARCHAR), '\\N'), IFNULL(CAST(`segment` AS VARCHAR), '\\N'), IFNULL(CAST(`risk_level` AS VARCHAR), '\\N'), IFNULL(CAST(`gender` AS VARCHAR), '\\N'), IFNULL(CAST(`birth_date` AS VARCHAR), '\\N'), IFNULL(CAST(`aum` AS VARCHAR), '\\N'), IFNULL(CAST(`joined_date` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `customers`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`account_id` AS VARCHAR), '\\N'), IFNULL(CAST(`customer_id` AS VARCHAR), '\\N'), IFNULL(CAST(`product_id` AS VARCHAR), '\\N'), IFNULL(CAST(`opened_date` AS VARCHAR), '\\N'), IFNULL(CAST(`status` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `accounts`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`branch_id` AS VARCHAR), '\\N'), IFNULL(CAST(`name` AS VARCHAR), '\\N'), IFNULL(CAST(`city` AS VARCHAR), '\\N'), IFNULL(CAST(`region` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `branches`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`product_id` AS VARCHAR), '\\N'), IFNULL(CAST(`name` AS VARCHAR), '\\N'), IFNULL(CAST(`category` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `products`;

SELECT CAST(date_trunc(`balances`.`snapshot_date`, 'month') AS DATE) AS `balances.snapshot_date.month`, COUNT(*), CAST(MAX(`balances`.`snapshot_date`) AS VARCHAR)
FROM `balances` AS `balances`
GROUP BY 1;

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

DROP TABLE IF EXISTS `_strata`.`r_balance_daily_4dba293e`;

CREATE TABLE IF NOT EXISTS `_strata`.`r_balance_daily_4dba293e` (
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

ALTER TABLE `_strata`.`r_balance_daily_4dba293e` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2025-02-01'));

ALTER TABLE `_strata`.`r_balance_daily_4dba293e` ADD PARTITION IF NOT EXISTS `p20250201` VALUES [('2025-02-01'), ('2025-03-01'));

ALTER TABLE `_strata`.`r_balance_daily_4dba293e` ADD PARTITION IF NOT EXISTS `p20250301` VALUES [('2025-03-01'), ('2025-04-01'));

INSERT INTO `_strata`.`r_balance_daily_4dba293e` (`customers.segment`, `branches.region`, `balances.snapshot_date.day`, `total_balance`, `total_balance.rows`, `opening_balance`, `opening_balance.rows`)
SELECT `customers`.`segment` AS `customers.segment`, `branches`.`region` AS `branches.region`, CAST(date_trunc(`balances`.`snapshot_date`, 'day') AS DATE) AS `balances.snapshot_date.day`, SUM(`balances`.`balance`) AS `total_balance`, COUNT(*) AS `total_balance.rows`, SUM(`balances`.`balance`) AS `opening_balance`, COUNT(*) AS `opening_balance.rows`
FROM `balances` AS `balances`
LEFT JOIN `customers` AS `customers` ON `balances`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
GROUP BY 1, 2, 3;

SELECT CAST(date_trunc(`balances.snapshot_date.day`, 'month') AS DATE), COUNT(*), MAX(`balances.snapshot_date.day`) FROM `_strata`.`r_balance_daily_4dba293e` GROUP BY 1;

SELECT COUNT(*), MAX(`snapshot_date`), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`snapshot_date` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `balances`;

DELETE FROM `_strata`.`partitions` WHERE `rollup` = ?;
-- args: "balance_daily"

INSERT INTO `_strata`.`partitions` (`rollup`, `part`, `row_count`, `watermark`, `fingerprint`, `built_ns`) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?);
-- args: "balance_daily", "2025-01-01", 100, "2025-01-31", "1000:2025-01-31 23:59:00", <now>, "balance_daily", "2025-02-01", 90, "2025-02-28", "900:2025-02-28 23:59:00", <now>, "balance_daily", "2025-03-01", 95, "2025-03-31", "950:2025-03-31 23:59:00", <now>

DELETE FROM `_strata`.`definitions` WHERE `rollup` = ?;
-- args: "balance_daily"

INSERT INTO `_strata`.`definitions` (`rollup`, `definition`) VALUES (?, ?);
-- args: "balance_daily", "v2"…(39 lines)

INSERT INTO `_strata`.`rollup_files` (`rollup`, `files`, `others`) VALUES (?, ?, ?);
-- args: "balance_daily", "[]", "a27ea4d525d2f9c3"

INSERT INTO `_strata`.`lineage` (`rollup`, `built_from`) VALUES (?, ?);
-- args: "balance_daily", ""

INSERT INTO `_strata`.`rollups` (`name`, `table_name`, `def_hash`, `row_count`, `watermark`, `built_at`, `duration_ms`, `sources`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "balance_daily", "_strata.r_balance_daily_4dba293e", "4dba293eaf91c340", 285, "2025-03-31", <now>, <ms>, "cfde0ef5a6b3b1e4", NULL, <now>

DELETE FROM `_strata`.`leases` WHERE `name` = ? AND `holder` = ?;
-- args: "balance_daily", "builder:1"

INSERT INTO `_strata`.`leases` (`name`, `holder`, `expires_ns`) SELECT ?, ?, ? FROM (SELECT 1 AS `one`) AS `one` WHERE NOT EXISTS (SELECT 1 FROM `_strata`.`leases` WHERE `name` = ? AND `expires_ns` >= ? AND `holder` <> ?);
-- args: "app_daily", "builder:1", <now>, "app_daily", <now>, "builder:1"

SELECT `holder`, `expires_ns` FROM `_strata`.`leases` WHERE `name` = ?;
-- args: "app_daily"

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`customer_id` AS VARCHAR), '\\N'), IFNULL(CAST(`branch_id` AS VARCHAR), '\\N'), IFNULL(CAST(`segment` AS VARCHAR), '\\N'), IFNULL(CAST(`risk_level` AS VARCHAR), '\\N'), IFNULL(CAST(`gender` AS VARCHAR), '\\N'), IFNULL(CAST(`birth_date` AS VARCHAR), '\\N'), IFNULL(CAST(`aum` AS VARCHAR), '\\N'), IFNULL(CAST(`joined_date` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `customers`;

SELECT COUNT(*), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`branch_id` AS VARCHAR), '\\N'), IFNULL(CAST(`name` AS VARCHAR), '\\N'), IFNULL(CAST(`city` AS VARCHAR), '\\N'), IFNULL(CAST(`region` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `branches`;

SELECT CAST(date_trunc(CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai'), 'month') AS DATE) AS `app_events.event_time.month`, COUNT(*), CAST(MAX(CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai')) AS VARCHAR)
FROM `app_events` AS `app_events`
GROUP BY 1;

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

DROP TABLE IF EXISTS `_strata`.`r_app_daily_4c1d8e25`;

CREATE TABLE IF NOT EXISTS `_strata`.`r_app_daily_4c1d8e25` (
  `app_events.event_time.day` DATE NOT NULL,
  `app_events.device` VARCHAR(65533) NULL,
  `customers.segment` VARCHAR(65533) NULL,
  `app_events` BIGINT SUM NULL,
  `app_users.set` BITMAP BITMAP_UNION,
  `logins` BIGINT SUM NULL
)
AGGREGATE KEY(`app_events.event_time.day`, `app_events.device`, `customers.segment`)
PARTITION BY RANGE(`app_events.event_time.day`) ()
DISTRIBUTED BY HASH(`app_events.device`) BUCKETS AUTO;

ALTER TABLE `_strata`.`r_app_daily_4c1d8e25` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2025-02-01'));

ALTER TABLE `_strata`.`r_app_daily_4c1d8e25` ADD PARTITION IF NOT EXISTS `p20250201` VALUES [('2025-02-01'), ('2025-03-01'));

ALTER TABLE `_strata`.`r_app_daily_4c1d8e25` ADD PARTITION IF NOT EXISTS `p20250301` VALUES [('2025-03-01'), ('2025-04-01'));

INSERT INTO `_strata`.`r_app_daily_4c1d8e25` (`app_events.device`, `customers.segment`, `app_events.event_time.day`, `app_events`, `app_users.set`, `logins`)
SELECT `app_events`.`device` AS `app_events.device`, `customers`.`segment` AS `customers.segment`, CAST(date_trunc(CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai'), 'day') AS DATE) AS `app_events.event_time.day`, COUNT(`app_events`.`event_id`) AS `app_events`, bitmap_union(to_bitmap(`app_events`.`customer_id`)) AS `app_users.set`, COUNT(CASE WHEN (`app_events`.`event_type` = 'login') THEN 1 END) AS `logins`
FROM `app_events` AS `app_events`
LEFT JOIN `customers` AS `customers` ON `app_events`.`customer_id` = `customers`.`customer_id`
GROUP BY 1, 2, 3;

SELECT CAST(date_trunc(`app_events.event_time.day`, 'month') AS DATE), COUNT(*), MAX(`app_events.event_time.day`) FROM `_strata`.`r_app_daily_4c1d8e25` GROUP BY 1;

SELECT COUNT(*), MAX(`event_time`), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`event_time` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `app_events`;

DELETE FROM `_strata`.`partitions` WHERE `rollup` = ?;
-- args: "app_daily"

INSERT INTO `_strata`.`partitions` (`rollup`, `part`, `row_count`, `watermark`, `fingerprint`, `built_ns`) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?);
-- args: "app_daily", "2025-01-01", 100, "2025-01-31", "1000:2025-01-31 23:59:00", <now>, "app_daily", "2025-02-01", 90, "2025-02-28", "900:2025-02-28 23:59:00", <now>, "app_daily", "2025-03-01", 95, "2025-03-31", "950:2025-03-31 23:59:00", <now>

DELETE FROM `_strata`.`definitions` WHERE `rollup` = ?;
-- args: "app_daily"

INSERT INTO `_strata`.`definitions` (`rollup`, `definition`) VALUES (?, ?);
-- args: "app_daily", "v2"…(31 lines)

INSERT INTO `_strata`.`rollup_files` (`rollup`, `files`, `others`) VALUES (?, ?, ?);
-- args: "app_daily", "[]", "6517c27628e95b3a"

INSERT INTO `_strata`.`lineage` (`rollup`, `built_from`) VALUES (?, ?);
-- args: "app_daily", ""

INSERT INTO `_strata`.`rollups` (`name`, `table_name`, `def_hash`, `row_count`, `watermark`, `built_at`, `duration_ms`, `sources`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "app_daily", "_strata.r_app_daily_4c1d8e25", "4c1d8e257a1f1c9f", 285, "2025-03-31", <now>, <ms>, "95cbec26a037dc55", NULL, <now>

DELETE FROM `_strata`.`leases` WHERE `name` = ? AND `holder` = ?;
-- args: "app_daily", "builder:1"
