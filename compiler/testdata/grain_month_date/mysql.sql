WITH `p0` AS (
  SELECT CAST(DATE_FORMAT(`transactions`.`value_date`, '%Y-%m-01') AS DATE) AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.value_date.month`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.value_date.month` IS NULL, `transactions.value_date.month` ASC
