-- KeyDictDDL
CREATE TABLE IF NOT EXISTS `_strata`.`keys_customers` (`entity_key` VARCHAR(512) NOT NULL PRIMARY KEY, `id` BIGINT NOT NULL UNIQUE);

-- KeyDictSync
INSERT INTO `_strata`.`keys_customers` (`entity_key`, `id`)
SELECT `new`.`k`, `next`.`base` + ROW_NUMBER() OVER (ORDER BY `new`.`k`) - 1
FROM (
  SELECT DISTINCT `customers`.`customer_id` AS `k`
  FROM `customers` AS `customers`
  LEFT JOIN `_strata`.`keys_customers` AS `old` ON `old`.`entity_key` = `customers`.`customer_id`
  WHERE `customers`.`customer_id` IS NOT NULL AND `old`.`id` IS NULL
) AS `new`
CROSS JOIN (SELECT COALESCE(MAX(`id`) + 1, 0) AS `base` FROM `_strata`.`keys_customers`) AS `next`;

-- KeyDictRead
SELECT `id`, `entity_key` FROM `_strata`.`keys_customers` ORDER BY 1;

-- EntityKeys
SELECT `_strata_keys`.`id`
FROM `customers` AS `customers`
JOIN `_strata`.`keys_customers` AS `_strata_keys` ON `_strata_keys`.`entity_key` = `customers`.`customer_id`
WHERE `_strata_keys`.`id` IS NOT NULL;

-- EntityPacked
SELECT `_strata_keys`.`id`, CAST(CASE WHEN (`branches`.`region` = 'North') THEN 1 ELSE 0 END + CASE WHEN `customers`.`segment` IS NULL THEN 0 ELSE CASE CAST(`customers`.`segment` AS CHAR) WHEN 'mass' THEN 2 WHEN 'private' THEN 4 ELSE 6 END END AS SIGNED)
FROM `customers` AS `customers`
JOIN `_strata`.`keys_customers` AS `_strata_keys` ON `_strata_keys`.`entity_key` = `customers`.`customer_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
WHERE `_strata_keys`.`id` IS NOT NULL;

-- EntityPredicates
SELECT `_strata_keys`.`id`, COALESCE((`branches`.`region` = 'North'), FALSE)
FROM `customers` AS `customers`
JOIN `_strata`.`keys_customers` AS `_strata_keys` ON `_strata_keys`.`entity_key` = `customers`.`customer_id`
LEFT JOIN `branches` AS `branches` ON `customers`.`branch_id` = `branches`.`branch_id`
WHERE `_strata_keys`.`id` IS NOT NULL
  AND (COALESCE((`branches`.`region` = 'North'), FALSE));

-- PackedTests
SELECT `_strata_keys`.`id`, CAST(CASE WHEN `agg`.`n` >= 5 THEN 1 ELSE 0 END AS SIGNED)
FROM (
  SELECT customer_id AS `k`, 1 AS `n`
) AS `agg`
JOIN `_strata`.`keys_customers` AS `_strata_keys` ON `_strata_keys`.`entity_key` = `agg`.`k`
WHERE `agg`.`k` IS NOT NULL;

-- audience-restricted query
WITH `p0` AS (
  SELECT `customers`.`segment` AS `d0`, COUNT(`transactions`.`txn_id`) AS `p0__txn_count`
  FROM `transactions` AS `transactions`
  LEFT JOIN `customers` AS `customers` ON `transactions`.`customer_id` = `customers`.`customer_id`
  WHERE `customers`.`customer_id` IN (SELECT `_strata_keys`.`entity_key` FROM `_strata`.`audience_ids` AS `audience_ids` JOIN `_strata`.`keys_customers` AS `_strata_keys` ON `_strata_keys`.`id` = `audience_ids`.`id`)
  GROUP BY 1
)
SELECT * FROM (
  SELECT `b`.`d0` AS `customers.segment`, `b`.`p0__txn_count` AS `txn_count`
  FROM `p0` AS `b`
) AS `o`
ORDER BY `customers.segment` IS NULL, `customers.segment` ASC;

