SELECT customers.segment, txn_amount FROM transactions GROUP BY 1 HAVING customers.segment = 'mass'
