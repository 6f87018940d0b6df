SELECT customers.segment,
  txn_amount
FROM transactions
WHERE channels.name = = 'web'
