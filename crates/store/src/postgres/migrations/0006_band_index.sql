-- The LSH band keys' index of their own. SQLite's 0006 moves them out of the
-- full-text table into an FTS5 table of their own; on PostgreSQL they have
-- had a table and B-tree index of their own (`petition_bands`) since
-- 0003_search, so there is nothing to do here. The file exists so that both
-- backends carry the same migrations under the same names.
SELECT 1;
