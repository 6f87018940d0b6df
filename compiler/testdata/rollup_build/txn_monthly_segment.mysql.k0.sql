SELECT DISTINCT `customers`.`segment` AS `customers.segment`, CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) AS `transactions.txn_time.month`, `transactions`.`customer_id` AS `key`
FROM `transactions` AS `transactions`
LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
WHERE `transactions`.`customer_id` IS NOT NULL
