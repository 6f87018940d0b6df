SELECT customers.segment, txn_amount FROM transactions GROUP BY 1 ORDER BY 1 LIMIT 1, 3
