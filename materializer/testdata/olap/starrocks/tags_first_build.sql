-- tag build: a boolean tag's first build: its five ids loaded two at a time into one BITMAP, the state row written

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
PRIMARY KEY(`name`)
DISTRIBUTED BY HASH(`name`);

SELECT name, COALESCE(table_name, ''), COALESCE(def_hash, ''), COALESCE(as_of, ''), built_at,
  COALESCE(duration_ms, 0), COALESCE(members, 0), COALESCE(value_count, 0), COALESCE(bytes, 0), COALESCE(last_error, '')
FROM `_strata`.`tags`;

CREATE TABLE `_strata`.`t_high_value_2b675c55_<now>` (
  `value` VARCHAR(65533) NOT NULL,
  `bitmap` BITMAP BITMAP_UNION
)
AGGREGATE KEY(`value`)
DISTRIBUTED BY HASH(`value`);

INSERT INTO `_strata`.`t_high_value_2b675c55_<now>` (`value`, `bitmap`) VALUES (?, bitmap_from_string(?));
-- args: "", "100001,100002"

INSERT INTO `_strata`.`t_high_value_2b675c55_<now>` (`value`, `bitmap`) VALUES (?, bitmap_from_string(?));
-- args: "", "100003,100007"

INSERT INTO `_strata`.`t_high_value_2b675c55_<now>` (`value`, `bitmap`) VALUES (?, bitmap_from_string(?));
-- args: "", "4294967295"

INSERT INTO `_strata`.`tags` (`name`, `kind`, `entity`, `table_name`, `def_hash`, `as_of`, `built_at`, `duration_ms`, `members`, `value_count`, `bytes`, `last_error`, `last_try`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
-- args: "high_value", "boolean", "customers", "_strata.t_high_value_2b675c55_<now>", "2b675c55ba5833e5", <now>, <now>, <ms>, 5, 0, 34, NULL, <now>
