SELECT balances.snapshot_date.month, total_balance FROM balances GROUP BY 1 ORDER BY 1
