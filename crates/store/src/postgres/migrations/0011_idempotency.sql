-- The answers to submissions sent with an Idempotency-Key (the portal's
-- POST /api/v1/public/petitions): the same key with the same request within
-- 24 hours gets the first answer back and registers nothing new. `request`
-- is a hash of the body, so a key sent again with another request is
-- refused, never answered with someone else's case. `status` is NULL while
-- the first request is being handled.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    status BIGINT,
    response TEXT
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at_us);
