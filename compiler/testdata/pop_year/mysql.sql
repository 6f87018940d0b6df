WITH `p1` AS (
  SELECT MAKEDATE(YEAR(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')), 1) + INTERVAL (QUARTER(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) - 1) QUARTER AS `d0`, `customers`.`segment` AS `d1`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p1__txn_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.quarter`, `b`.`d1` AS `customers.segment`, `p0`.`p1__txn_amount` AS `txn_amount_prev_year`
  FROM `p1` AS `b`
  LEFT JOIN `p1` AS `p0` ON `p0`.`d0` = MAKEDATE(YEAR(DATE_SUB(`b`.`d0`, INTERVAL 1 YEAR)), 1) + INTERVAL (QUARTER(DATE_SUB(`b`.`d0`, INTERVAL 1 YEAR)) - 1) QUARTER AND (`p0`.`d1` <=> `b`.`d1`)
) AS `o`
ORDER BY `transactions.txn_time.quarter` IS NULL, `transactions.txn_time.quarter` ASC, `customers.segment` IS NULL, `customers.segment` ASC
