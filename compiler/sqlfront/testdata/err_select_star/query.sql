SELECT * FROM transactions
