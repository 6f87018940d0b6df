-- active_customers, approx_customers, txn_amount by customers.segment, transactions.txn_time.month, served by txn_daily
WITH `p0` AS (
  SELECT `r`.`customers.segment` AS `d0`, CAST(date_trunc(CAST(`r`.`transactions.txn_time.day` AS DATETIME), 'month') AS DATE) AS `d1`, bitmap_union_count(`r`.`active_customers.set`) AS `p0__active_customers`, hll_union_agg(`r`.`approx_customers.set`) AS `p0__approx_customers`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
  FROM `_strata`.`r_txn_daily_d99a9459` AS `r`
  GROUP BY 1, 2
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`d1` AS `transactions.txn_time.month`, `b`.`p0__active_customers` AS `active_customers`, `b`.`p0__approx_customers` AS `approx_customers`, `b`.`p0__txn_amount` AS `txn_amount`
FROM `p0` AS `b`
ORDER BY `customers.segment` ASC NULLS LAST, `transactions.txn_time.month` ASC NULLS LAST;

-- avg_amount, max_txn by channels.name, served by txn_daily
WITH `p0` AS (
  SELECT `r`.`channels.name` AS `d0`, (SUM(`r`.`avg_amount.sum`) / NULLIF(SUM(`r`.`avg_amount.count`), 0)) AS `p0__avg_amount`, MAX(`r`.`max_txn`) AS `p0__max_txn`
  FROM `_strata`.`r_txn_daily_d99a9459` AS `r`
  WHERE (CAST(`r`.`transactions.txn_time.day` AS DATETIME) >= '2025-01-01')
    AND (CAST(`r`.`transactions.txn_time.day` AS DATETIME) < '2025-03-01')
  GROUP BY 1
)
SELECT `b`.`d0` AS `channels.name`, `b`.`p0__avg_amount` AS `avg_amount`, `b`.`p0__max_txn` AS `max_txn`
FROM `p0` AS `b`
ORDER BY `channels.name` ASC NULLS LAST;

-- app_users by app_events.device, served by app_daily
WITH `p0` AS (
  SELECT `r`.`app_events.device` AS `d0`, bitmap_union_count(`r`.`app_users.set`) AS `p0__app_users`
  FROM `_strata`.`r_app_daily_4c1d8e25` AS `r`
  GROUP BY 1
)
SELECT `b`.`d0` AS `app_events.device`, `b`.`p0__app_users` AS `app_users`
FROM `p0` AS `b`
ORDER BY `app_events.device` ASC NULLS LAST;
