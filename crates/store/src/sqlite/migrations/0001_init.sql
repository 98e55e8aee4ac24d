-- xinfang schema, SQLite. Dates are TEXT 'YYYY-MM-DD' (they sort as dates);
-- instants are TEXT RFC 3339 UTC except audit_log.at_us (microseconds).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES units(id),
    -- '/1/4/9/': the ids from the root down to this unit, for subtree tests.
    path TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX units_path ON units(path);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE petitions (
    id INTEGER PRIMARY KEY,
    case_no TEXT NOT NULL UNIQUE,
    query_code TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    class TEXT NOT NULL,
    status TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    registered_unit_id INTEGER NOT NULL REFERENCES units(id),
    respondent_unit_id INTEGER REFERENCES units(id),
    received_on TEXT NOT NULL,
    subject TEXT NOT NULL,
    request TEXT NOT NULL,
    facts TEXT NOT NULL,
    reasons TEXT NOT NULL,
    collective_persons INTEGER,
    state TEXT NOT NULL,
    next_due TEXT,
    version INTEGER NOT NULL,
    registered_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX petitions_received ON petitions(received_on);
CREATE INDEX petitions_status ON petitions(status, id);
CREATE INDEX petitions_next_due ON petitions(next_due);

CREATE TABLE petitioners (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    phone_enc BLOB,
    phone_index BLOB,
    phone_masked TEXT,
    id_enc BLOB,
    id_index BLOB,
    id_masked TEXT,
    representative INTEGER NOT NULL,
    UNIQUE (petition_id, seq)
);
CREATE INDEX petitioners_phone ON petitioners(phone_index);
CREATE INDEX petitioners_id ON petitioners(id_index);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    on_date TEXT NOT NULL,
    body TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (petition_id, seq)
);

CREATE TABLE deadlines (
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    clock TEXT NOT NULL,
    due TEXT NOT NULL,
    holder TEXT NOT NULL,
    provisional INTEGER NOT NULL,
    paused INTEGER NOT NULL,
    explanation TEXT NOT NULL,
    PRIMARY KEY (petition_id, clock)
);
CREATE INDEX deadlines_due ON deadlines(due);

CREATE TABLE petition_units (
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (petition_id, unit_id)
);
CREATE INDEX petition_units_unit ON petition_units(unit_id, petition_id);

CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    -- the holiday's name; NULL for a make-up working day (调休上班日)
    holiday TEXT
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    user_id INTEGER,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    success INTEGER NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
