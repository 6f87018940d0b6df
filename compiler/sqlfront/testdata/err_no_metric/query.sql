SELECT customers.segment FROM transactions
