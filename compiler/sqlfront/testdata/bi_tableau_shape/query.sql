SELECT `transactions`.`branches.region` AS `branches.region`, `transactions`.`txn_count` AS `cnt:txn_count:ok` FROM `transactions` GROUP BY 1
