SELECT txn_amount FROM transactions; DROP TABLE transactions
