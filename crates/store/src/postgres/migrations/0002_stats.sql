-- Monthly statistics count petitions by month × registering unit × class;
-- this index answers them without touching the table rows.
CREATE INDEX petitions_stats ON petitions(received_on, registered_unit_id, class);
