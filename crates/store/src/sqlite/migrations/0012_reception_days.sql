-- Leaders' reception days (领导接访日, 《信访工作条例》第十八条): the day, the
-- place, the leader and the topic a unit publishes on the portal. Withdrawn
-- rather than deleted, so what was published stays on record.
CREATE TABLE reception_days (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    on_date TEXT NOT NULL,
    hours TEXT NOT NULL,
    place TEXT NOT NULL,
    leader TEXT NOT NULL,
    topic TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX reception_days_on ON reception_days(on_date);
