SELECT MAX(max_txn), MIN(min_txn), AVG(avg_amount) FROM transactions
