-- Monthly statistics are kept as counters, updated in the same transaction
-- as each registration, so a year's figures read a few hundred rows however
-- large the ledger grows. (month 'YYYY-MM', receiving unit, class) → count.
CREATE TABLE monthly_counts (
    month TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    class TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, unit_id, class)
);
INSERT INTO monthly_counts (month, unit_id, class, n)
SELECT to_char(received_on, 'YYYY-MM'), registered_unit_id, class, COUNT(*) FROM petitions
GROUP BY to_char(received_on, 'YYYY-MM'), registered_unit_id, class;
