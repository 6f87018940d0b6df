WITH `p0` AS (
  SELECT `customers`.`risk_level` AS `d0`, MAX(`transactions`.`amount`) AS `p0__max_txn`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.risk_level`, `b`.`p0__max_txn` AS `max_txn`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.risk_level` IS NULL, `customers.risk_level` ASC
