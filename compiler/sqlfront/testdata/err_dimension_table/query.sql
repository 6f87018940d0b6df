SELECT customers.segment, txn_amount FROM customers
