WITH `p0` AS (
  SELECT CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-%d %H:00:00') AS DATETIME) AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.hour`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.txn_time.hour` IS NULL, `transactions.txn_time.hour` ASC
