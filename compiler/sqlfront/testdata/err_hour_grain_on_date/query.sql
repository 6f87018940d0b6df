SELECT transactions.value_date.hour, txn_count FROM transactions GROUP BY 1
