SELECT customers.segment, SUM(txn_amount) AS amount FROM transactions GROUP BY customers.segment ORDER BY amount DESC
