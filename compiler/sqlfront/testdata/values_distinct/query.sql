SELECT DISTINCT channels.name AS ch, transactions.txn_time.year FROM transactions WHERE channels.name <> 'atm' ORDER BY ch DESC LIMIT 10
