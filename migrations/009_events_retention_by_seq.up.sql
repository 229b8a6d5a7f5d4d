-- Events are deleted after the retention period in the order of seq, which follows the order they
-- were inserted in, so the index on event_inserted_at only cost every event one more index entry
-- (a backfill writes an event per record).
DROP INDEX IF EXISTS sequin.events_inserted_at_idx;
