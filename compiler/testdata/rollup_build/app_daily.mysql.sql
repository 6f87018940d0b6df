SELECT `app_events`.`device` AS `app_events.device`, `customers`.`segment` AS `customers.segment`, DATE(CONVERT_TZ(`app_events`.`event_time`, 'UTC', 'Asia/Shanghai')) AS `app_events.event_time.day`, COUNT(`app_events`.`event_id`) AS `app_events`, COUNT(CASE WHEN (`app_events`.`event_type` = 'login') THEN 1 END) AS `logins`
FROM `app_events` AS `app_events`
LEFT JOIN `customers` AS `customers` ON `app_events`.`customer_id` = `customers`.`customer_id`
GROUP BY 1, 2, 3
