WITH `p0` AS (
  SELECT CAST(date_trunc('year', `transactions`.`value_date`) AS DATE) AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT `b`.`d0` AS `transactions.value_date.year`, `b`.`p0__txn_count` AS `txn_count`
FROM `p0` AS `b`
ORDER BY `transactions.value_date.year` ASC NULLS LAST
