-- Monthly statistics are kept as counters, updated in the same transaction
-- as each registration, so a year's figures read a few hundred rows however
-- large the ledger grows. (month 'YYYY-MM', receiving unit, class) → count.
CREATE TABLE monthly_counts (
    month TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    class TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (month, unit_id, class)
);
INSERT INTO monthly_counts (month, unit_id, class, n)
SELECT substr(received_on, 1, 7), registered_unit_id, class, COUNT(*) FROM petitions
GROUP BY substr(received_on, 1, 7), registered_unit_id, class;
