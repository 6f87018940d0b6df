SELECT SUM(avg_ticket) FROM transactions
