-- The workbench counted each running office duty: a case with two overdue
-- clocks was two on its cards, one in the ledger's overdue filter (issue
-- 25 ¶3). The kept counts now hold each case once, at its nearest running
-- office duty (the ledger's next_due, the clock first by name on a tie),
-- so the cards, the per-unit table, the ledger and the export count alike.
DELETE FROM office_due_counts;
INSERT INTO office_due_counts (unit_id, clock, due, n)
    SELECT d.unit_id, d.clock, d.due, COUNT(*) FROM deadlines d
    WHERE d.holder = 'office' AND d.paused = 0 AND d.respondent_unit_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM deadlines e WHERE e.petition_id = d.petition_id
          AND e.holder = 'office' AND e.paused = 0 AND (e.due < d.due OR (e.due = d.due AND e.clock < d.clock)))
    GROUP BY d.unit_id, d.clock, d.due;
