-- The workbench counts every office deadline due within three days by
-- handling unit and clock. Reading each deadline's petition row for its unit
-- (and the unit reported on, for Art. 30) made that one random read per
-- deadline: 52,168 of them in a generated ledger of 1M. The deadline rows
-- are rewritten at every step, so they can carry both, and the count is
-- read from one index.
ALTER TABLE deadlines
    ADD COLUMN unit_id BIGINT REFERENCES units(id),
    ADD COLUMN respondent_unit_id BIGINT REFERENCES units(id);
UPDATE deadlines d SET unit_id = p.unit_id, respondent_unit_id = p.respondent_unit_id
    FROM petitions p WHERE p.id = d.petition_id;
-- It leads with `due`, so it also serves what `deadlines_due` served (the
-- workbench's list, nearest first), which goes: one index for both.
CREATE INDEX deadlines_work ON deadlines(due, holder, paused, unit_id, clock, respondent_unit_id, petition_id);
DROP INDEX deadlines_due;
