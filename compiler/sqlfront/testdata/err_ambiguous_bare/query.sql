SELECT segment, txn_amount FROM transactions WHERE status = 'posted' GROUP BY segment
