SELECT DATE_TRUNC('fortnight', transactions.txn_time), txn_count FROM transactions GROUP BY 1
