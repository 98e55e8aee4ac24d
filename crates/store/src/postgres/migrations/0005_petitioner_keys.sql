-- The person look-ups of repeat detection (same ID number; same name and
-- phone; same name and address) ask for the newest few earlier petitions
-- of one key. With the key and `petition_id` in the index, each is a seek
-- and a short read of the index alone; with the key only, a common name
-- meant reading every petitioner of that name and sorting them.
DROP INDEX petitioners_name_eq;
CREATE INDEX petitioners_name_eq ON petitioners (name, address, petition_id);
DROP INDEX petitioners_id;
CREATE INDEX petitioners_id ON petitioners (id_index, petition_id);
DROP INDEX petitioners_phone;
CREATE INDEX petitioners_phone ON petitioners (phone_index, name, petition_id);
