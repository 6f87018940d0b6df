WITH `p0` AS (
  SELECT `channels`.`kind` AS `d0`, COUNT(CASE WHEN (`transactions`.`status` = 'posted') THEN 1 END) AS `p0__posted_count`, COUNT(CASE WHEN (`transactions`.`status` = 'reversed') THEN 1 END) AS `p0__reversed_count`
  FROM `transactions` AS `transactions`
  LEFT JOIN `channels` AS `channels` ON `transactions`.`channel_id` = `channels`.`channel_id`
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `channels.kind`, `b`.`p0__posted_count` AS `posted_count`, `b`.`p0__reversed_count` AS `reversed_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `channels.kind` IS NULL, `channels.kind` ASC
