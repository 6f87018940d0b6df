WITH `p0` AS (
  SELECT MAKEDATE(YEAR(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')), 1) AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.year`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.txn_time.year` IS NULL, `transactions.txn_time.year` ASC
