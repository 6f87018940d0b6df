SELECT DATE_TRUNC('month', customers.segment), txn_count FROM transactions GROUP BY 1
