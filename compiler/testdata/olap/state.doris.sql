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
