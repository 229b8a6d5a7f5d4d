-- A native subscriber: another PostgreSQL keeps a live copy of the synced tables through logical
-- replication, with no sidecar code in between. sequin keeps the publication sequin_records in step
-- with the synced tables (every table of every sync, added as collections are added).
--
-- 1. On the customer's database (the one the sidecar syncs into; wal_level = logical), see what is
--    published, and give the subscriber a role that may replicate:

SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = 'sequin_records' ORDER BY 1, 2;

-- CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD '...';
-- GRANT USAGE ON SCHEMA stripe TO replicator;
-- GRANT SELECT ON ALL TABLES IN SCHEMA stripe TO replicator;

-- 2. On the subscriber, create the same tables (logical replication copies rows, not definitions).
--    The simplest way is the schema of a dump:
--
--      pg_dump --schema-only --no-owner --table 'stripe.*' "$PRIMARY_URL" | psql "$SUBSCRIBER_URL"
--
--    Then subscribe. The subscription copies the existing rows first, then streams inserts, updates
--    and deletes (synced tables have REPLICA IDENTITY FULL, so updates and deletes carry old values).

-- CREATE SUBSCRIPTION sequin_records_copy
--     CONNECTION 'host=primary.example.com dbname=app user=replicator password=...'
--     PUBLICATION sequin_records;

-- 3. When a sync gains a collection, its new table joins the publication; create the table on the
--    subscriber, then pick it up:

-- ALTER SUBSCRIPTION sequin_records_copy REFRESH PUBLICATION;

-- The publication sequin_events carries sequin.events (inserts only) for subscribers that want the
-- change log itself rather than the tables.
