SELECT "app_events"."device" AS "app_events.device", "customers"."segment" AS "customers.segment", CAST(date_trunc('day', (("app_events"."event_time" AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai')) AS DATE) AS "app_events.event_time.day", COUNT("app_events"."event_id") AS "app_events", strata_bitmap_build(list(DISTINCT CAST("app_events"."customer_id" AS BIGINT)) FILTER (WHERE "app_events"."customer_id" IS NOT NULL)) AS "app_users.set", COUNT(CASE WHEN ("app_events"."event_type" = 'login') THEN 1 END) AS "logins"
FROM "app_events" AS "app_events"
LEFT JOIN "customers" AS "customers" ON "app_events"."customer_id" = "customers"."customer_id"
GROUP BY 1, 2, 3
