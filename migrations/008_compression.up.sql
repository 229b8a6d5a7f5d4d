-- Objects are written twice, into their table and into an event, and most are a few kilobytes: past
-- the TOAST threshold they are compressed. lz4 compresses and decompresses several times faster than
-- pglz for about the same size, so events use it where the server was built with it (synced tables
-- get it when they are created).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE sequin.events ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN previous_data SET COMPRESSION lz4;
    END IF;
END
$$;
