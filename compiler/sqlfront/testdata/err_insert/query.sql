INSERT INTO transactions (txn_id) VALUES (1)
