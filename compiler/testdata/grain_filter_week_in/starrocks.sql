WITH `p0` AS (
  SELECT CAST(date_trunc('day', CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  WHERE (CAST(date_trunc('week', CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS DATE) IN ('2024-01-01', '2024-01-08'))
  GROUP BY 1
)
SELECT `b`.`d0` AS `transactions.txn_time.day`, `b`.`p0__txn_count` AS `txn_count`
FROM `p0` AS `b`
ORDER BY `transactions.txn_time.day` ASC NULLS LAST
