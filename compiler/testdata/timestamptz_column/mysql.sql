WITH `p0` AS (
  SELECT CAST(DATE_FORMAT(CONVERT_TZ(`web_hits`.`hit_time`, 'UTC', 'Asia/Shanghai'), '%Y-%m-%d %H:00:00') AS DATETIME) AS `d0`, COUNT(`web_hits`.`hit_id`) AS `p0__hits`
  FROM `web_hits` AS `web_hits`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `web_hits.hit_time.hour`, `b`.`p0__hits` AS `hits`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `web_hits.hit_time.hour` IS NULL, `web_hits.hit_time.hour` ASC
