-- Search and repeat detection. The application writes these rows in the
-- transaction that registers the petition; petitions registered before this
-- migration are indexed by the backfill that `migrate` and `serve` run.

-- Full-text index: rowid = petitions.id. `words` holds the words in text
-- order (phrases match there), `parts` the shorter words inside long ones,
-- `grams` the two-character grams of the Chinese text (a word is found even
-- where segmentation cut it differently).
-- Terms are letters and digits separated by spaces (segmented by jieba in
-- Rust), so unicode61 only splits at the spaces. Contentless: the text is in
-- `petitions`.
CREATE VIRTUAL TABLE petition_fts USING fts5(
    words, parts, grams, content = '', tokenize = 'unicode61 remove_diacritics 0'
);

-- MinHash signature of each petition's content words (64 × u32, little
-- endian), and its 16 LSH band keys for candidate lookup.
CREATE TABLE petition_signatures (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions(id),
    minhash BLOB NOT NULL
);
CREATE TABLE petition_bands (
    band INTEGER NOT NULL,
    petition_id INTEGER NOT NULL,
    PRIMARY KEY (band, petition_id)
) WITHOUT ROWID;

-- A petition linked by a clerk as a repeat of an earlier one (重复信访).
ALTER TABLE petitions ADD COLUMN repeat_of INTEGER REFERENCES petitions(id);
CREATE INDEX petitions_repeat_of ON petitions(repeat_of) WHERE repeat_of IS NOT NULL;

-- One-character queries look petitioners up by family name.
CREATE INDEX petitioners_name ON petitioners(name);

-- Petitions already stored are indexed by the application (segmentation is
-- in Rust); this marks that work as pending.
INSERT INTO meta (key, value) SELECT 'search_backfill', 'pending' WHERE EXISTS (SELECT 1 FROM petitions);
