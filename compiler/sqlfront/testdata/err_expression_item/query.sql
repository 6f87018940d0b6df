SELECT customers.segment, txn_amount * 2 FROM transactions GROUP BY 1
