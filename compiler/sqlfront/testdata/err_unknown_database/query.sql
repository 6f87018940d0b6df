SELECT txn_amount FROM other_db.transactions
