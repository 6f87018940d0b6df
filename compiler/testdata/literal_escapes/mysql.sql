WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  WHERE (`customers`.`segment` IN ('a\nb', 'tab\there', 'back\\slash', 'it''s', 'quote"d'))
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC
