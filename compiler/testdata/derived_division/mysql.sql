WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `p0__posted_count`, COUNT(CASE WHEN (`transactions`.`status` = 'reversed') THEN 1 END) AS `p0__reversed_count`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, (`b`.`p0__txn_amount` / NULLIF(`b`.`p0__posted_count`, 0)) AS `avg_ticket`, (`b`.`p0__reversed_count` / NULLIF(`b`.`p0__txn_count`, 0)) AS `reversal_rate`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
