SELECT channels.name, MEASURE(txn_amount), MEASURE(txn_count) FROM transactions GROUP BY channels.name
