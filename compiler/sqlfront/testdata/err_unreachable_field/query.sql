SELECT app_events.event_type, txn_amount FROM transactions GROUP BY 1
