-- Search and repeat detection. The application writes these rows in the
-- transaction that registers the petition; petitions registered before this
-- migration are indexed by the backfill that `migrate` and `serve` run.

-- Full-text index: the tsvector is built in Rust (jieba terms with their
-- positions, and the two-character grams of the Chinese text prefixed
-- with 'g' at their character positions) and stored as is, so no text-search parser or locale is
-- involved; queries are tsquery values built from the same terms.
CREATE TABLE petition_search (
    petition_id BIGINT PRIMARY KEY REFERENCES petitions(id),
    doc tsvector NOT NULL
);
CREATE INDEX petition_search_doc ON petition_search USING GIN (doc);

-- MinHash signature of each petition's content words (64 × u32, little
-- endian), and its 16 LSH band keys for candidate lookup.
CREATE TABLE petition_signatures (
    petition_id BIGINT PRIMARY KEY REFERENCES petitions(id),
    minhash BYTEA NOT NULL
);
CREATE TABLE petition_bands (
    band BIGINT NOT NULL,
    petition_id BIGINT NOT NULL,
    PRIMARY KEY (band, petition_id)
);

-- A petition linked by a clerk as a repeat of an earlier one (重复信访).
ALTER TABLE petitions ADD COLUMN repeat_of BIGINT REFERENCES petitions(id);
CREATE INDEX petitions_repeat_of ON petitions(repeat_of) WHERE repeat_of IS NOT NULL;

-- One-character queries look petitioners up by family name (byte order, so
-- a prefix is a range whatever the database's collation).
CREATE INDEX petitioners_name ON petitioners (name COLLATE "C");
-- Repeat detection compares names (with phone or address) for equality.
CREATE INDEX petitioners_name_eq ON petitioners (name);

-- Petitions already stored are indexed by the application (segmentation is
-- in Rust); this marks that work as pending.
INSERT INTO meta (key, value) SELECT 'search_backfill', 'pending' WHERE EXISTS (SELECT 1 FROM petitions);
