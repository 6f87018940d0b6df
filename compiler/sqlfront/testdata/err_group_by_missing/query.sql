SELECT customers.segment, channels.name, txn_amount FROM transactions GROUP BY 1
