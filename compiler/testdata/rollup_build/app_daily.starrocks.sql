SELECT `app_events`.`device` AS `app_events.device`, `customers`.`segment` AS `customers.segment`, CAST(date_trunc('day', CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `app_events.event_time.day`, COUNT(`app_events`.`event_id`) AS `app_events`, bitmap_union(to_bitmap(`app_events`.`customer_id`)) AS `app_users.set`, COUNT(CASE WHEN (`app_events`.`event_type` = 'login') THEN 1 END) AS `logins`
FROM `app_events` AS `app_events`
LEFT JOIN `customers` AS `customers` ON `app_events`.`customer_id` = `customers`.`customer_id`
GROUP BY 1, 2, 3
