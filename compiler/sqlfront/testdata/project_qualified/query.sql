SELECT channels.name, txn_count FROM retail_bank.transactions GROUP BY 1
