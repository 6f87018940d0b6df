SELECT txn_amount FROM transactions UNION SELECT total_balance FROM balances
