WITH `p0` AS (
  SELECT CAST(DATE_FORMAT(`transactions`.`value_date`, '%Y-%m-01') AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  WHERE (`transactions`.`value_date` >= DATE '2024-01-01')
    AND (`transactions`.`value_date` < DATE '2024-04-01')
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.value_date.month`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.value_date.month` IS NULL, `transactions.value_date.month` ASC
