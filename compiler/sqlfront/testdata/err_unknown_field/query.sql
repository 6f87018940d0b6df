SELECT customers.segmnt, txn_amount FROM transactions GROUP BY 1
