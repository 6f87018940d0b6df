SELECT `channels`.`name` AS `channels.name`, `customers`.`segment` AS `customers.segment`, `branches`.`city` AS `branches.city`, DATE(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS `transactions.txn_time.day`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `txn_amount`, COUNT(`transactions`.`txn_id`) AS `txn_count`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `posted_count`, COUNT(CASE WHEN (`transactions`.`status` = 'reversed') THEN 1 END) AS `reversed_count`, MAX(`transactions`.`amount`) AS `max_txn`, MIN(`transactions`.`amount`) AS `min_txn`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.sum`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `avg_amount.count`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
GROUP BY 1, 2, 3, 4
