-- The disputes module (矛盾纠纷排查化解台账, issue 27): a dispute is a
-- matter between parties, never a file on a person (ledgers-spec §1). The
-- row is the projection of its steps (`dispute_events`), written in the
-- same transaction; `state` is the domain's `DisputeState` as JSON. It is
-- seen at its registering unit (`unit_id`) and its responsible unit, and
-- above them. Parties' ID and phone numbers are encrypted as petitioners'
-- are (ciphertext, keyed blind index, masked form).
CREATE TABLE disputes (
    id INTEGER PRIMARY KEY,
    case_no TEXT NOT NULL UNIQUE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    responsible_unit_id INTEGER REFERENCES units(id),
    source TEXT NOT NULL,
    petition_id INTEGER REFERENCES petitions(id),
    found_on TEXT NOT NULL,
    category TEXT NOT NULL,
    place TEXT NOT NULL,
    summary TEXT NOT NULL,
    claims TEXT NOT NULL,
    people_involved INTEGER,
    amount_fen INTEGER,
    risk TEXT NOT NULL,
    risk_reason TEXT NOT NULL,
    status TEXT NOT NULL,
    state TEXT NOT NULL,
    resolve_by TEXT,
    version INTEGER NOT NULL,
    registered_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX disputes_unit ON disputes(unit_id, id);
CREATE INDEX disputes_responsible ON disputes(responsible_unit_id, id);
CREATE INDEX disputes_petition ON disputes(petition_id) WHERE petition_id IS NOT NULL;

CREATE TABLE dispute_parties (
    dispute_id INTEGER NOT NULL REFERENCES disputes(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    phone_enc BLOB,
    phone_index BLOB,
    phone_masked TEXT,
    id_enc BLOB,
    id_index BLOB,
    id_masked TEXT,
    PRIMARY KEY (dispute_id, seq)
);
CREATE INDEX dispute_parties_phone ON dispute_parties(phone_index) WHERE phone_index IS NOT NULL;
CREATE INDEX dispute_parties_id ON dispute_parties(id_index) WHERE id_index IS NOT NULL;

CREATE TABLE dispute_events (
    dispute_id INTEGER NOT NULL REFERENCES disputes(id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    on_date TEXT NOT NULL,
    body TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (dispute_id, seq)
);
