SELECT txn_amount FROM (SELECT * FROM transactions) AS t
