SELECT txn_amount FROM transactions, customers
