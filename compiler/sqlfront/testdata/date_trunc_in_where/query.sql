SELECT txn_amount FROM transactions WHERE DATE_TRUNC('month', transactions.txn_time) = '2025-01-01'
