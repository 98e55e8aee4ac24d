-- Attachments (附件) of any record of any module (issue 26 ¶1). The bytes
-- are kept once per content (`blobs`, keyed by their SHA-256) and written
-- in the transaction of the attachment row that refers to them, so a row
-- never names missing bytes. An attachment is never deleted: withdrawing
-- it (with a reason) hides it from the record and keeps the bytes for the
-- audit. `data` is NULL when a deployment keeps the bytes in a directory.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB,
    created_at TEXT NOT NULL
);
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    module TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by INTEGER REFERENCES users(id),
    uploaded_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES users(id),
    withdraw_reason TEXT
);
CREATE INDEX attachments_record ON attachments(module, record_id, id);
