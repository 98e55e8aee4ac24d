-- Messages to people (issue 26 ¶2): the transactional outbox. A row is
-- written in the transaction of the event that causes it (a registration,
-- a step) or by a scheduled job (`once_key` makes that job's message once
-- per day and case or unit, however many servers run it); a dispatcher
-- sends it after commit. A petitioner's phone is copied sealed from
-- `petitioners` (the same key and field as there); a unit's address is its
-- configured one, in `unit_contacts`. `status`: pending, sending (claimed
-- by `claimed_by` at `claimed_us`), sent or failed (given up).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    to_enc BLOB,
    to_addr TEXT,
    to_masked TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    petition_id INTEGER REFERENCES petitions(id),
    unit_id INTEGER REFERENCES units(id),
    once_key TEXT UNIQUE,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_us BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_us BIGINT,
    sent_us BIGINT,
    last_error TEXT,
    created_us BIGINT NOT NULL
);
CREATE INDEX outbox_next ON outbox(next_us) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_petition ON outbox(petition_id) WHERE petition_id IS NOT NULL;

-- Where a unit's reminders go: an e-mail address and a mobile number for
-- SMS (an office's, not a person's private one), either or both.
CREATE TABLE unit_contacts (
    unit_id INTEGER PRIMARY KEY REFERENCES units(id),
    email TEXT,
    phone TEXT,
    updated_us BIGINT NOT NULL
);

-- Scheduled work that must run once across servers (issue 26 ¶3): a job
-- runs where its lease is held; the holder renews it, and when it stops
-- renewing (the process died) another server takes it once it expires.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_us BIGINT NOT NULL
);

-- The throttles on what strangers can try (failed logins, look-ups,
-- online submissions), shared by every server: `kind` names the throttle,
-- `who` the account (logins) or '', `address` the client. `since_us`
-- starts the window, `until_us` ends a login lock.
CREATE TABLE throttle_counts (
    kind TEXT NOT NULL,
    who TEXT NOT NULL,
    address TEXT NOT NULL,
    n BIGINT NOT NULL,
    since_us BIGINT NOT NULL,
    last_us BIGINT NOT NULL,
    until_us BIGINT,
    PRIMARY KEY (kind, who, address)
);
CREATE INDEX throttle_counts_last ON throttle_counts(last_us);
