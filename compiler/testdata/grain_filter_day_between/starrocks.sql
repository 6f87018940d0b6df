WITH `p0` AS (
  SELECT CAST(date_trunc('week', CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai')) AS DATE) AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= DATETIME '2024-01-01 00:00:00')
    AND (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < DATETIME '2024-02-01 00:00:00')
  GROUP BY 1
)
SELECT `b`.`d0` AS `transactions.txn_time.week`, `b`.`p0__txn_count` AS `txn_count`
FROM `p0` AS `b`
ORDER BY `transactions.txn_time.week` ASC NULLS LAST
