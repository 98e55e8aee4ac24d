-- The year's figures by content category (内容分类, issue 25 ¶2), kept as
-- monthly_counts are: in the transaction of each registration and of each
-- repeat link, so a year's figures read a few hundred rows at any size.
-- (month 'YYYY-MM', receiving unit, category) → count; repeats count once.
CREATE TABLE category_counts (
    month TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    category TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, unit_id, category)
);
INSERT INTO category_counts (month, unit_id, category, n)
    SELECT to_char(received_on, 'YYYY-MM'), registered_unit_id, content_category, COUNT(*) FROM petitions
    WHERE repeat_of IS NULL GROUP BY to_char(received_on, 'YYYY-MM'), registered_unit_id, content_category;
