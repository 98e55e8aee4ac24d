-- The LSH band keys get an FTS5 index of their own. In `petition_fts` they
-- shared the text's merge policy: segments merged only when 64 of a level
-- had piled up (cheap commits for long texts), so after a burst of
-- registrations each of the 16 band look-ups of a repeat check visited
-- every one of a hundred or more segments. A row here is 16 short terms,
-- so FTS5's own incremental merging on commit (automerge=4, the default)
-- costs little and keeps a look-up to a few segments. Rowid = petitions.id;
-- `detail=none`: a look-up needs only which petitions hold a key.
CREATE VIRTUAL TABLE petition_bands USING fts5(bands, content = '', tokenize = 'ascii', detail = none);
INSERT INTO petition_bands (petition_bands, rank) VALUES ('crisismerge', 16);

-- New rows leave `petition_fts.bands` empty (the column stays: dropping it
-- would mean rebuilding the text index). The band keys of the petitions
-- already indexed are written here by the application (they are computed
-- from the stored signatures in Rust); this marks that work as pending.
INSERT INTO meta (key, value) SELECT 'bands_backfill', 'pending' WHERE EXISTS (SELECT 1 FROM petition_signatures);
