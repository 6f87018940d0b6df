SELECT DATE_TRUNC('month', transactions.txn_time) AS month, txn_amount FROM transactions GROUP BY 1 ORDER BY month
