SELECT `customers`.`segment` AS `customers.segment`, CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) AS `transactions.txn_time.month`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `txn_amount`, COUNT(`transactions`.`txn_id`) AS `txn_count`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `posted_count`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
GROUP BY 1, 2
