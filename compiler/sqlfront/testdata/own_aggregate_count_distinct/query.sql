SELECT channels.name, COUNT(DISTINCT active_customers) FROM transactions GROUP BY 1
