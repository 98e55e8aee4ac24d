-- Who handles a case within its unit (承办人, the projection of the case's
-- assign_handler events: NULL once the case moves on), and how the national
-- petition information system classifies it: the content category
-- (内容分类; every matter registered before is 00 未分类) and the place of
-- the problem (问题属地, a unit of the tree). On the row, so that the ledger
-- filters by them.
ALTER TABLE petitions ADD COLUMN handler_id INTEGER REFERENCES users(id);
ALTER TABLE petitions ADD COLUMN content_category TEXT NOT NULL DEFAULT '00';
ALTER TABLE petitions ADD COLUMN problem_unit_id INTEGER REFERENCES units(id);
CREATE INDEX petitions_handler ON petitions(handler_id, id) WHERE handler_id IS NOT NULL;
CREATE INDEX petitions_category ON petitions(content_category, id);
CREATE INDEX petitions_problem_unit ON petitions(problem_unit_id, id) WHERE problem_unit_id IS NOT NULL;
