WITH `p0` AS (
  SELECT DATE(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  WHERE (DATE_SUB(DATE(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')), INTERVAL WEEKDAY(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) DAY) IN ('2024-01-01', '2024-01-08'))
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.day`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.txn_time.day` IS NULL, `transactions.txn_time.day` ASC
