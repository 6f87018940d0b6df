SELECT customers.segment, txn_amount FROM transactions GROUP BY 1 ORDER BY 2 DESC LIMIT 2 OFFSET 1
