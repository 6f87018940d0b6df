DROP TABLE transactions
