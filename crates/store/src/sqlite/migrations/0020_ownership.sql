-- Leaders' case ownership (包案, 条例 Art. 18 ¶2; issue 27 ¶5): a leader
-- takes a matter (a petition or a dispute) with a goal and a target date.
-- It is the matter's attribute, never a person's (ledgers-spec 2.A): the
-- subject is a record of a module, the leader a user account. At most one
-- ownership of a matter is active; ended ones stay for the record.
CREATE TABLE ownerships (
    id INTEGER PRIMARY KEY,
    module TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    leader_id INTEGER NOT NULL REFERENCES users(id),
    goal TEXT NOT NULL,
    target_date TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    taken_by INTEGER REFERENCES users(id),
    taken_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE UNIQUE INDEX ownerships_active ON ownerships(module, record_id) WHERE state = 'active';
CREATE INDEX ownerships_leader ON ownerships(leader_id, state, target_date);
