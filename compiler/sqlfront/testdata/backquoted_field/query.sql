SELECT `customers.segment`, txn_amount FROM transactions GROUP BY `customers.segment`
