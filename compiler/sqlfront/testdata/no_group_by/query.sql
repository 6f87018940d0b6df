SELECT branches.region, txn_amount FROM transactions
