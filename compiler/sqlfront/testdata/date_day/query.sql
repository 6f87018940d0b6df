SELECT DATE(transactions.txn_time), txn_count FROM transactions GROUP BY DATE(transactions.txn_time) ORDER BY 1 LIMIT 7
