SELECT channels.name, SUM(transactions.amount) FROM transactions GROUP BY 1
