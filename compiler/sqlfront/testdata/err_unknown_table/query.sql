SELECT txn_amount FROM transaction
