WITH `p0` AS (
  SELECT CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.month`, ((`b`.`p0__txn_amount` / NULLIF(`p1`.`p0__txn_amount`, 0)) - 1) AS `txn_amount_mom`
  FROM `p0` AS `b`
  LEFT JOIN `p0` AS `p1` ON `p1`.`d0` = CAST(DATE_FORMAT(DATE_SUB(`b`.`d0`, INTERVAL 1 MONTH), '%Y-%m-01') AS DATE)
) AS `o`
ORDER BY `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC
