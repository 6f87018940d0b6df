SELECT customers.segment, SUM(txn_amount) AS amt, txn_count FROM transactions GROUP BY 1 HAVING amt > 100 AND SUM(txn_amount) < 1e12 AND MEASURE(txn_count) >= 1
