-- A unit can be stopped (停用) when it is dissolved or merged: it keeps its
-- history and its place in the tree, but receives nothing new.
ALTER TABLE units ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
