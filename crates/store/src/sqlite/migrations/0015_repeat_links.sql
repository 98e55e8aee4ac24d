-- Linking a petition as a repeat (重复信访) and unlinking it, as the case's
-- timeline shows them (issue 25 ¶9): one row per change, written in the
-- transaction that changes `petitions.repeat_of` and writes its audit line,
-- which the deep check compares them with. `of_case_no` is NULL for an
-- unlink. Links made before this table existed are taken from the log.
CREATE TABLE repeat_links (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id),
    of_case_no TEXT,
    actor_id INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX repeat_links_petition ON repeat_links(petition_id, id);
INSERT INTO repeat_links (petition_id, of_case_no, actor_id, recorded_at)
    SELECT p.id, CASE WHEN a.action = 'petition.link_repeat' THEN a.detail END, a.user_id,
           strftime('%Y-%m-%dT%H:%M:%f+00:00', a.at_us / 1000000.0, 'unixepoch')
    FROM audit_log a JOIN petitions p ON p.case_no = a.object
    WHERE a.success = 1 AND a.action IN ('petition.link_repeat', 'petition.unlink_repeat')
    ORDER BY a.seq;
