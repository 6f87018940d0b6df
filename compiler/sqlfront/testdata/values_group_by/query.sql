SELECT customers.segment FROM transactions GROUP BY 1
