SELECT customers.segment, AVG(txn_amount) FROM transactions GROUP BY 1
