SELECT channels.name AS ch, customers.segment, txn_count FROM transactions GROUP BY ch, customers.segment
