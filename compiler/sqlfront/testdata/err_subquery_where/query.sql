SELECT txn_amount FROM transactions WHERE transactions.customer_id IN (SELECT customer_id FROM customers)
