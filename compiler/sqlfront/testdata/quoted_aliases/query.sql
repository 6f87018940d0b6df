SELECT customers.segment AS "Segment", txn_amount AS `Amount (CNY)`, txn_count AS 'Count' FROM transactions GROUP BY 1 ORDER BY `Amount (CNY)` DESC
