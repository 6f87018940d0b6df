SELECT channels.name, txn_amuont FROM transactions GROUP BY 1
