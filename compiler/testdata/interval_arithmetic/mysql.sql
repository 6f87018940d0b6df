WITH `p0` AS (
  SELECT COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= DATE_ADD(DATE '2024-01-01', INTERVAL 1 MONTH))
    AND (`transactions`.`value_date` < DATE_SUB(DATE '2024-03-01', INTERVAL 1 WEEK))
)
SELECT `b`.`p0__txn_count` AS `txn_count`
FROM `p0` AS `b`
