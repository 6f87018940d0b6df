SELECT channels.name, COUNT(*) FROM transactions GROUP BY 1
