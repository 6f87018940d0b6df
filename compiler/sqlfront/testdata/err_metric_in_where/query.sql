SELECT customers.segment, txn_amount FROM transactions WHERE txn_amount > 10 GROUP BY 1
