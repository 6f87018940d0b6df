SELECT DISTINCT `channels`.`name` AS `channels.name`, `customers`.`segment` AS `customers.segment`, `branches`.`city` AS `branches.city`, DATE(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS `transactions.txn_time.day`, `transactions`.`customer_id` AS `key`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
WHERE `transactions`.`customer_id` IS NOT NULL
