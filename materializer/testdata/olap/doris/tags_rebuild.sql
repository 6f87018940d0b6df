-- tag build: a categorical tag rebuilt: a key per value (one without ids), the state row moved, the previous version dropped

CREATE DATABASE IF NOT EXISTS `_strata`;

CREATE TABLE IF NOT EXISTS `_strata`.`tags` (
  `name` VARCHAR(255) NOT NULL,
  `kind` VARCHAR(32),
  `entity` VARCHAR(255),
  `table_name` VARCHAR(255),
  `def_hash` VARCHAR(64),
  `as_of` VARCHAR(64),
  `built_at` DATETIME,
  `duration_ms` DOUBLE,
  `members` BIGINT,
  `value_count` BIGINT,
  `bytes` BIGINT,
  `last_error` VARCHAR(65533),
  `last_try` DATETIME
)
UNIQUE KEY(`name`)
DISTRIBUTED BY HASH(`name`) BUCKETS 1
PROPERTIES ("enable_unique_key_merge_on_write" = "true");

SELECT name, COALESCE(table_name, ''), COALESCE(def_hash, ''), COALESCE(as_of, ''), built_at,
  COALESCE(duration_ms, 0), COALESCE(members, 0), COALESCE(value_count, 0), COALESCE(bytes, 0), COALESCE(last_error, '')
FROM `_strata`.`tags`;

CREATE TABLE `_strata`.`t_segment_fc3b50a3_<now>` (
  `value` VARCHAR(65533) NOT NULL,
  `bitmap` BITMAP BITMAP_UNION
)
AGGREGATE KEY(`value`)
DISTRIBUTED BY HASH(`value`) BUCKETS AUTO;

INSERT INTO `_strata`.`t_segment_fc3b50a3_<now>` (`value`, `bitmap`) VALUES (?, bitmap_from_string(?));
-- args: "mass", "100001,100004"

INSERT INTO `_strata`.`t_segment_fc3b50a3_<now>` (`value`, `bitmap`) VALUES (?, bitmap_from_string(?));
-- args: "private", "100002"

INSERT INTO `_strata`.`t_segment_fc3b50a3_<now>` (`value`, `bitmap`) VALUES (?, bitmap_empty());
-- args: "staff"

INSERT INTO `_strata`.`tags` (`name`, `kind`, `entity`, `table_name`, `def_hash`, `as_of`, `built_at`, `duration_ms`, `members`, `value_count`, `bytes`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "segment", "categorical", "customers", "_strata.t_segment_fc3b50a3_<now>", "fc3b50a3572ccb35", <now>, <now>, <ms>, 3, 3, 46, NULL, <now>

DROP TABLE IF EXISTS `_strata`.`t_segment_0ldhash0_17000`;
