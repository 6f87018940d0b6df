SELECT customers.segment, txn_amount, RANK() OVER (ORDER BY txn_amount) FROM transactions GROUP BY 1
