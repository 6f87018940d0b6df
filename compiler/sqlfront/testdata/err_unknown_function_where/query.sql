SELECT txn_amount FROM transactions WHERE SLEEP(5) = 0
