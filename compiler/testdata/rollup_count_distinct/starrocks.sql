WITH `p0` AS (
  SELECT `r`.`customers.segment` AS `d0`, bitmap_union_count(`r`.`active_customers.set`) AS `p0__active_customers`, hll_union_agg(`r`.`approx_customers.set`) AS `p0__approx_customers`, SUM(`r`.`txn_amount`) AS `p0__txn_amount`
  FROM `_strata`.`r_txn_daily` AS `r`
  GROUP BY 1
)
SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__active_customers` AS `active_customers`, `b`.`p0__approx_customers` AS `approx_customers`, `b`.`p0__txn_amount` AS `txn_amount`
FROM `p0` AS `b`
ORDER BY `customers.segment` ASC NULLS LAST
