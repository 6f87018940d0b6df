-- a BI tool's banner
SELECT /* the segment */ customers.segment,
       txn_amount
FROM transactions
GROUP BY 1;
