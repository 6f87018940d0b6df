SELECT segment, txn_amount FROM transactions WHERE segment <> 'staff' GROUP BY segment
