-- The workbench reads only office deadlines that are running, yet
-- `deadlines_work` led with `due`: its range covered every deadline due by
-- the date, petitioners' windows included (517,000 entries for 37,000
-- office ones in a generated ledger of 1M). Two indexes that lead with what
-- the workbench asks for:
-- * the list, nearest first: holder, paused, then due and case, its order;
-- * the counts by unit and clock: each (unit, clock) is one range, with the
--   deadlines of cases that name no unit reported on (Art. 30) first, so
--   the bulk of the overdue ones is counted from the index alone.
DROP INDEX deadlines_work;
CREATE INDEX deadlines_office_due ON deadlines(holder, paused, due, petition_id, unit_id, respondent_unit_id, clock);
CREATE INDEX deadlines_office_unit ON deadlines(holder, paused, unit_id, clock, respondent_unit_id, due);
