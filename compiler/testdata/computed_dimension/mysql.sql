WITH `p0` AS (
  SELECT (CASE WHEN `customers`.`customer_id` IS NULL THEN NULL ELSE (CASE WHEN (`customers`.`birth_date` > DATE '1995-01-01') THEN 'under 30' WHEN (`customers`.`birth_date` > DATE '1975-01-01') THEN '30-49' ELSE '50+' END) END) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.age_band`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.age_band` IS NULL, `customers.age_band` ASC
