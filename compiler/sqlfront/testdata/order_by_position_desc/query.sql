SELECT channels.name, txn_amount, txn_count FROM transactions GROUP BY 1 ORDER BY 3 DESC, 1
