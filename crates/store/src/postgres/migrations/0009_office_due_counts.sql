-- The workbench's counts by unit and clock read 38,000 index entries on a
-- generated ledger of 1M (the overdue office duties, 15 ms), and would read
-- more with every one the ledger adds. They are kept instead, in the
-- transaction that writes the deadlines, as the monthly statistics are: the
-- running office duties of the cases that name no unit reported on, counted
-- by the unit handling the case, the clock and the due date. A page sums
-- the rows due by its last day: 10,000 on that ledger, at most one per unit,
-- clock and day.
CREATE TABLE office_due_counts (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    clock TEXT NOT NULL,
    due DATE NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit_id, clock, due)
);
INSERT INTO office_due_counts (unit_id, clock, due, n)
    SELECT unit_id, clock, due, COUNT(*) FROM deadlines
    WHERE holder = 'office' AND NOT paused AND respondent_unit_id IS NULL
    GROUP BY unit_id, clock, due;
-- The deadlines of cases that name a unit reported on are still counted row
-- by row, each tested for Art. 30: only they need an index by unit now. It
-- holds the unit reported on, so that the test reads no table row (without
-- it, 3,000 row reads took 8 ms of the 12 ms of the counts on that ledger).
DROP INDEX deadlines_office_unit;
CREATE INDEX deadlines_office_reported ON deadlines(holder, paused, unit_id, clock, respondent_unit_id, due)
    WHERE respondent_unit_id IS NOT NULL;
