WITH `p0` AS (
  SELECT `transactions`.`status` AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `transactions.status`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `transactions.status` IS NULL, `transactions.status` ASC
