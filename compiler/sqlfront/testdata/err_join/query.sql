SELECT customers.segment, txn_amount FROM transactions JOIN customers ON transactions.customer_id = customers.customer_id GROUP BY 1
