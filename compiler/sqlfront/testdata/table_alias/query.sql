SELECT t.txn_amount, t.`channels.name` FROM transactions AS t GROUP BY 2
