-- Search and repeat detection. The application writes these rows in the
-- transaction that registers the petition; petitions registered before this
-- migration are indexed by the backfill that `migrate` and `serve` run.

-- Full-text index: rowid = petitions.id. `words` holds the words in text
-- order (phrases match there), `parts` the shorter words inside long ones,
-- `grams` the two-character grams of the Chinese text of the subject, the
-- request and the petitioners (a word there is found even where
-- segmentation cut it differently), `bands` the 16 LSH band keys of
-- the petition's MinHash signature as terms (`b` + 16 hex digits): an index
-- of random keys as a B-tree would dirty 16 random pages per petition; in
-- FTS5 they are appended with the rest of the row.
-- Terms are letters and digits separated by spaces (segmented and folded
-- by jieba and OpenCC in Rust), so the plain `ascii` tokenizer, which splits
-- at ASCII spaces and punctuation and keeps every other character, is all
-- that is needed. Contentless: the text is in
-- `petitions`.
CREATE VIRTUAL TABLE petition_fts USING fts5(
    words, parts, grams, bands, content = '', tokenize = 'ascii'
);

-- FTS5 merges its segments as an LSM tree: by default four segments of a
-- level are merged at once (automerge=4), which rewrites each row about
-- log4(N) times, inside the committing transaction. Merging only when 64
-- segments of a level have piled up (crisismerge) rewrites each row about
-- log64(N) times: a single-row commit costs about half as much, and queries
-- over a few dozen segments stay well under a millisecond.
INSERT INTO petition_fts (petition_fts, rank) VALUES ('automerge', 0);
INSERT INTO petition_fts (petition_fts, rank) VALUES ('crisismerge', 64);

-- MinHash signature of each petition's content words (64 × u32, little
-- endian); its band keys are in petition_fts.
CREATE TABLE petition_signatures (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions(id),
    minhash BLOB NOT NULL
);

-- A petition linked by a clerk as a repeat of an earlier one (重复信访).
ALTER TABLE petitions ADD COLUMN repeat_of INTEGER REFERENCES petitions(id);
CREATE INDEX petitions_repeat_of ON petitions(repeat_of) WHERE repeat_of IS NOT NULL;

-- One-character queries look petitioners up by family name.
CREATE INDEX petitioners_name ON petitioners(name);

-- Petitions already stored are indexed by the application (segmentation is
-- in Rust); this marks that work as pending.
INSERT INTO meta (key, value) SELECT 'search_backfill', 'pending' WHERE EXISTS (SELECT 1 FROM petitions);
