SELECT customers.segment, txn_amount, app_users FROM transactions GROUP BY 1
