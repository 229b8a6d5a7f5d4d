-- ANALYZE sorts a sample of every column's values to find the common ones. Nothing filters events by
-- their whole object, and sorting a sample of objects (decompressing the large ones) made each of
-- the many analyzes of a growing events table cost about as much as the rest of it.
ALTER TABLE sequin.events ALTER COLUMN data SET STATISTICS 0, ALTER COLUMN previous_data SET STATISTICS 0;
