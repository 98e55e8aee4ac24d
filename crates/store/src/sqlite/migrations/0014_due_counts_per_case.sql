-- The workbench counted each running office duty: a case with two overdue
-- clocks was two on its cards, one in the ledger's overdue filter (issue
-- 25 ¶3). A case's nearest running office duty (the ledger's next_due, the
-- clock first by name on a tie) stays 'office'; its other running duties
-- become 'duty'. The workbench then reads each case once, from the index,
-- and the kept counts hold each case once, so the cards, the per-unit
-- table, the ledger and the export count alike.
UPDATE deadlines SET holder = 'duty'
    WHERE holder = 'office' AND deadlines.paused = 0
      AND EXISTS (SELECT 1 FROM deadlines e WHERE e.petition_id = deadlines.petition_id
          AND e.holder = 'office' AND e.paused = 0
          AND (e.due < deadlines.due OR (e.due = deadlines.due AND e.clock < deadlines.clock)));
DELETE FROM office_due_counts;
INSERT INTO office_due_counts (unit_id, clock, due, n)
    SELECT unit_id, clock, due, COUNT(*) FROM deadlines
    WHERE holder = 'office' AND paused = 0 AND respondent_unit_id IS NULL
    GROUP BY unit_id, clock, due;
