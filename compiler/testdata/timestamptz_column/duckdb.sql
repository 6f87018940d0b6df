WITH "p0" AS (
  SELECT date_trunc('hour', ("web_hits"."hit_time" AT TIME ZONE 'Asia/Shanghai')) AS "d0", COUNT("web_hits"."hit_id") AS "p0__hits"
  FROM "web_hits" AS "web_hits"
  GROUP BY 1
)
SELECT "b"."d0" AS "web_hits.hit_time.hour", "b"."p0__hits" AS "hits"
FROM "p0" AS "b"
ORDER BY "web_hits.hit_time.hour" ASC NULLS LAST
