WITH `p0` AS (
  SELECT MAKEDATE(YEAR(`transactions`.`value_date`), 1) + INTERVAL (QUARTER(`transactions`.`value_date`) - 1) QUARTER AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.value_date.quarter`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.value_date.quarter` IS NULL, `transactions.value_date.quarter` ASC
