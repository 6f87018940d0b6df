WITH `p0` AS (
  SELECT `value_day`.`is_weekend` AS `d0`, `value_day`.`fiscal_quarter` AS `d1`, SUM(CASE WHEN (`transactions`.`status` = 'posted') THEN `transactions`.`amount` END) AS `p0__txn_amount`
  FROM `transactions` AS `transactions`
  LEFT JOIN `calendar` AS `value_day` ON `transactions`.`value_date` = `value_day`.`cal_date`
  GROUP BY 1, 2
)
SELECT * FROM (
  SELECT `b`.`d0` AS `value_day.is_weekend`, `b`.`d1` AS `value_day.fiscal_quarter`, `b`.`p0__txn_amount` AS `txn_amount`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `value_day.is_weekend` IS NULL, `value_day.is_weekend` ASC, `value_day.fiscal_quarter` IS NULL, `value_day.fiscal_quarter` ASC
