-- Collections whose deletes are found by sweeping (listing every id) but whose changes come from a
-- change feed are swept on their own, longer period; this is when the last sweep finished.
ALTER TABLE sequin.sync_collections ADD COLUMN last_swept_at timestamptz;
