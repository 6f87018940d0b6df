WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
),
`p1` AS (
  SELECT `customers`.`segment` AS `d0`, COUNT(DISTINCT `app_events`.`customer_id`) AS `p1__app_users`
  FROM `app_events` AS `app_events`
  LEFT JOIN `customers` AS `customers` ON `app_events`.`customer_id` = `customers`.`customer_id`
  GROUP BY 1
),
`j` AS (
  SELECT `d0`, MAX(`p0__txn_amount`) AS `p0__txn_amount`, MAX(`p1__app_users`) AS `p1__app_users`
  FROM (
    SELECT `d0`, `p0__txn_amount`, NULL AS `p1__app_users` FROM `p0`
    UNION ALL
    SELECT `d0`, NULL AS `p0__txn_amount`, `p1__app_users` FROM `p1`
  ) AS `u`
  GROUP BY `d0`
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_amount` AS `txn_amount`, `b`.`p1__app_users` AS `app_users`, (`b`.`p0__txn_amount` / NULLIF(`b`.`p1__app_users`, 0)) AS `amount_per_user`
  FROM `j` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
