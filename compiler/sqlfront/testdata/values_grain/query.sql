SELECT DISTINCT balances.snapshot_date.month FROM balances
