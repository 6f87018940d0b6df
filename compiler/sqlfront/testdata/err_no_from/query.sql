SELECT txn_amount
