WITH `p2` AS (
  SELECT CAST(DATE_FORMAT(`transactions`.`value_date`, '%Y-%m-01') AS DATE) AS `d0`
  FROM `transactions` AS `transactions`
  GROUP BY 1
),
`p0` AS (
  SELECT `k`.`d0` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  JOIN (SELECT DISTINCT `d0` FROM `p2`) AS `k` ON `transactions`.`value_date` >= MAKEDATE(YEAR(`k`.`d0`), 1)
    AND `transactions`.`value_date` < DATE_ADD(`k`.`d0`, INTERVAL 1 MONTH)
  GROUP BY 1
),
`p1` AS (
  SELECT `k`.`d0` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p1__txn_amount`
  FROM `transactions` AS `transactions`
  JOIN (SELECT DISTINCT `d0` FROM `p2`) AS `k` ON `transactions`.`value_date` >= `k`.`d0`
    AND `transactions`.`value_date` < DATE_ADD(`k`.`d0`, INTERVAL 1 MONTH)
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.value_date.month`, `p0`.`p0__txn_amount` AS `txn_amount_ytd`, (`p1`.`p1__txn_amount` / NULLIF(`p0`.`p0__txn_amount`, 0)) AS `mtd_share_of_ytd`
  FROM `p2` AS `b`
  LEFT JOIN `p0` ON (`p0`.`d0` <=> `b`.`d0`)
  LEFT JOIN `p1` ON (`p1`.`d0` <=> `b`.`d0`)
) AS `o`
ORDER BY `transactions.value_date.month` IS NULL, `transactions.value_date.month` ASC
