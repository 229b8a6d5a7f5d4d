-- A webhook that says something changed but not what (Airtable's notifications) asks for the sync's
-- collections to be polled now: the poll job runs when poll_requested_at is later than its last poll,
-- and polls once more when a request arrived while it ran.
ALTER TABLE sequin.sync_collections ADD COLUMN IF NOT EXISTS poll_requested_at timestamptz;
