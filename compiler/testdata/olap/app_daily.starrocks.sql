-- the rollup's table
CREATE TABLE IF NOT EXISTS `_strata`.`r_app_daily` (
  `app_events.event_time.day` DATE NOT NULL,
  `app_events.device` VARCHAR(65533) NULL,
  `customers.segment` VARCHAR(65533) NULL,
  `app_events` BIGINT SUM NULL,
  `app_users.set` BITMAP BITMAP_UNION,
  `logins` BIGINT SUM NULL
)
AGGREGATE KEY(`app_events.event_time.day`, `app_events.device`, `customers.segment`)
PARTITION BY RANGE(`app_events.event_time.day`) ()
DISTRIBUTED BY HASH(`app_events.device`);

-- a partition, added when missing, then rebuilt
ALTER TABLE `_strata`.`r_app_daily` ADD PARTITION IF NOT EXISTS `p20250101` VALUES [('2025-01-01'), ('2025-02-01'));

INSERT OVERWRITE `_strata`.`r_app_daily` PARTITION (`p20250101`) (`app_events.device`, `customers.segment`, `app_events.event_time.day`, `app_events`, `app_users.set`, `logins`)
SELECT `app_events`.`device` AS `app_events.device`, `customers`.`segment` AS `customers.segment`, CAST(date_trunc('day', CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `app_events.event_time.day`, COUNT(`app_events`.`event_id`) AS `app_events`, bitmap_union(to_bitmap(`app_events`.`customer_id`)) AS `app_users.set`, COUNT(CASE WHEN (`app_events`.`event_type` = 'login') THEN 1 END) AS `logins`
FROM `app_events` AS `app_events`
LEFT JOIN `customers` AS `customers` ON `app_events`.`customer_id` = `customers`.`customer_id`
WHERE COALESCE((CAST(date_trunc('day', CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai')) AS DATE) >= CAST('2025-01-01' AS DATE) AND CAST(date_trunc('day', CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai')) AS DATE) < CAST('2025-02-01' AS DATE)), false)
  AND `app_events`.`event_time` >= CAST('2024-12-30 00:00:00' AS DATETIME)
  AND `app_events`.`event_time` < CAST('2025-02-10 00:00:00' AS DATETIME)
GROUP BY 1, 2, 3;

-- a full rebuild written to a new table, swapped in
ALTER TABLE `_strata`.`r_app_daily` SWAP WITH `r_app_daily_next`;
