-- strata refresh: txn_monthly_segment built from txn_daily's current table (re-aggregated, not the raw rows), the lineage recorded

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
PRIMARY KEY(`name`)
DISTRIBUTED BY HASH(`name`);

CREATE TABLE IF NOT EXISTS `_strata`.`sources` (
  `name` VARCHAR(255) NOT NULL,
  `definition` VARCHAR(65533)
)
PRIMARY KEY(`name`)
DISTRIBUTED BY HASH(`name`);

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`definitions` (
  `rollup` VARCHAR(255) NOT NULL,
  `definition` VARCHAR(65533)
)
PRIMARY KEY(`rollup`)
DISTRIBUTED BY HASH(`rollup`);

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`lineage` (
  `rollup` VARCHAR(255) NOT NULL,
  `built_from` VARCHAR(255)
)
PRIMARY KEY(`rollup`)
DISTRIBUTED BY HASH(`rollup`);

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`partitions` (
  `rollup` VARCHAR(255) NOT NULL,
  `part` VARCHAR(32) NOT NULL,
  `row_count` BIGINT,
  `watermark` VARCHAR(64),
  `fingerprint` VARCHAR(64),
  `built_ns` BIGINT
)
PRIMARY KEY(`rollup`, `part`)
DISTRIBUTED BY HASH(`rollup`);

CREATE TABLE IF NOT EXISTS `_strata`.`rollup_files` (
  `rollup` VARCHAR(255) NOT NULL,
  `files` VARCHAR(65533),
  `others` VARCHAR(64)
)
PRIMARY KEY(`rollup`)
DISTRIBUTED BY HASH(`rollup`);

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`schedule` (
  `name` VARCHAR(255) NOT NULL,
  `state` VARCHAR(65533)
)
PRIMARY KEY(`name`)
DISTRIBUTED BY HASH(`name`);

CREATE TABLE IF NOT EXISTS `_strata`.`leases` (
  `name` VARCHAR(255) NOT NULL,
  `holder` VARCHAR(255) NOT NULL,
  `expires_ns` BIGINT NOT NULL
)
PRIMARY KEY(`name`)
DISTRIBUTED BY HASH(`name`);

INSERT INTO `_strata`.`leases` (`name`, `holder`, `expires_ns`) SELECT ?, ?, ? FROM (SELECT 1 AS `one`) AS `one` WHERE NOT EXISTS (SELECT 1 FROM `_strata`.`leases` WHERE `name` = ? AND `expires_ns` >= ? AND `holder` <> ?);
-- args: "txn_monthly_segment", "builder:1", <now>, "txn_monthly_segment", <now>, "builder:1"

SELECT `holder`, `expires_ns` FROM `_strata`.`leases` WHERE `name` = ?;
-- args: "txn_monthly_segment"

SELECT `name`, COALESCE(`table_name`, ''), COALESCE(`def_hash`, ''), COALESCE(`row_count`, 0), COALESCE(`watermark`, ''), `built_at`, COALESCE(`duration_ms`, 0), COALESCE(`sources`, ''), COALESCE(`last_error`, '') FROM `_strata`.`rollups`;

SELECT COUNT(*), MAX(`txn_time`), CAST(SUM(murmur_hash3_32(IFNULL(CAST(`txn_time` AS VARCHAR), '\\N'))) AS VARCHAR)
FROM `transactions`;

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

SELECT CAST(date_trunc('year', CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `transactions.txn_time.year`, COUNT(*), CAST(MAX(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS VARCHAR)
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
DISTRIBUTED BY HASH(`customers.segment`);

ALTER TABLE `_strata`.`r_txn_monthly_segment_e0cac7a7` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2026-01-01'));

INSERT INTO `_strata`.`r_txn_monthly_segment_e0cac7a7` (`customers.segment`, `transactions.txn_time.month`, `txn_amount`, `txn_count`, `posted_count`, `active_customers.set`)
SELECT `s`.`customers.segment` AS `customers.segment`, CAST(date_trunc('month', `s`.`transactions.txn_time.day`) AS DATE) AS `transactions.txn_time.month`, SUM(`s`.`txn_amount`) AS `txn_amount`, CAST(COALESCE(SUM(`s`.`txn_count`), 0) AS BIGINT) AS `txn_count`, CAST(COALESCE(SUM(`s`.`posted_count`), 0) AS BIGINT) AS `posted_count`, bitmap_union(`s`.`active_customers.set`) AS `active_customers.set`
FROM `_strata`.`r_txn_daily_d99a9459` AS `s`
GROUP BY `s`.`customers.segment`, CAST(date_trunc('month', `s`.`transactions.txn_time.day`) AS DATE);

SELECT CAST(date_trunc('year', `transactions.txn_time.month`) AS DATE), COUNT(*), MAX(`transactions.txn_time.month`) FROM `_strata`.`r_txn_monthly_segment_e0cac7a7` GROUP BY 1;

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
-- args: "txn_monthly_segment", "txn_daily"

INSERT INTO `_strata`.`rollups` (`name`, `table_name`, `def_hash`, `row_count`, `watermark`, `built_at`, `duration_ms`, `sources`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "txn_monthly_segment", "_strata.r_txn_monthly_segment_e0cac7a7", "e0cac7a7b9993eb6", 285, "2025-03-31", <now>, <ms>, "82ac7465fbcb33d0", NULL, <now>

DELETE FROM `_strata`.`leases` WHERE `name` = ? AND `holder` = ?;
-- args: "txn_monthly_segment", "builder:1"
