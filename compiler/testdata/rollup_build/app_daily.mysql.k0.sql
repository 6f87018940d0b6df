SELECT DISTINCT `app_events`.`device` AS `app_events.device`, `customers`.`segment` AS `customers.segment`, DATE(CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai')) AS `app_events.event_time.day`, `app_events`.`customer_id` AS `key`
FROM `app_events` AS `app_events`
LEFT JOIN `customers` AS `customers` ON `app_events`.`customer_id` = `customers`.`customer_id`
WHERE `app_events`.`customer_id` IS NOT NULL
