-- the read of a tag version

SELECT `value`, bitmap_to_string(bitmap_union(`bitmap`)) FROM `_strata`.`t_segment_0ldhash0_17000` GROUP BY `value`;
