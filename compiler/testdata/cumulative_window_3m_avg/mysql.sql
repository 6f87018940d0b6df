WITH `p1` AS (
  SELECT CAST(DATE_FORMAT(CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-01') AS DATE) AS `d0`, `channels`.`name` AS `d1`
  FROM `transactions` AS `transactions`
  LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= '2024-06-01')
  GROUP BY 1, 2
),
`p0` AS (
  SELECT `k`.`d0` AS `d0`, `k`.`d1` AS `d1`, AVG(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__avg_amount`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
  JOIN (SELECT DISTINCT `d0`, `d1` FROM `p1`) AS `k` ON (`channels`.`name` <=> `k`.`d1`)
    AND CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= DATE_SUB(DATE_ADD(`k`.`d0`, INTERVAL 1 MONTH), INTERVAL 3 MONTH)
    AND CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') < DATE_ADD(`k`.`d0`, INTERVAL 1 MONTH)
  WHERE (CONVERT_TZ(`transactions`.`txn_time`, 'UTC', 'Asia/Shanghai') >= TIMESTAMP '2024-04-01 00:00:00')
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.txn_time.month`, `b`.`d1` AS `channels.name`, `p0`.`p0__avg_amount` AS `avg_amount_3m`, `p0`.`p0__txn_count` AS `txn_count_3m`
  FROM `p1` AS `b`
  LEFT JOIN `p0` ON (`p0`.`d0` <=> `b`.`d0`) AND (`p0`.`d1` <=> `b`.`d1`)
) AS `o`
ORDER BY `transactions.txn_time.month` IS NULL, `transactions.txn_time.month` ASC, `channels.name` IS NULL, `channels.name` ASC
