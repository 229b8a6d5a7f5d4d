-- Rate limits shared by every sidecar on this database (see package sidecar/ratelimit).
--
-- Both tables are UNLOGGED: they are rewritten on nearly every upstream request, and an unlogged
-- write commits without waiting for a WAL flush. Their contents are lost after a crash of the server,
-- which only restarts pacing from scratch (the sidecars recreate the rows they need).

-- The next free request slot of each credential. Slots are evenly spaced on the database clock; a
-- sidecar reserves a run of consecutive slots by moving next_slot_at forward. emission_us is the
-- spacing of the last run, so that a new budget takes over from the last slot handed out.
CREATE UNLOGGED TABLE sequin.rate_limits (
    credential_id   uuid PRIMARY KEY REFERENCES sequin.credentials (id) ON DELETE CASCADE,
    next_slot_at    timestamptz NOT NULL,
    emission_us     bigint NOT NULL CHECK (emission_us > 0),
    updated_at      timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);

-- Concurrency leases: max_concurrent_requests rows per credential (slots 0 .. max-1). A request in
-- flight holds one until it ends; a lease not renewed expires, so a dead sidecar cannot keep it.
CREATE UNLOGGED TABLE sequin.rate_limit_leases (
    credential_id   uuid NOT NULL REFERENCES sequin.credentials (id) ON DELETE CASCADE,
    slot            integer NOT NULL CHECK (slot >= 0),
    -- The sidecar process holding the lease, and its number for this acquisition.
    holder          text,
    token           bigint,
    acquired_at     timestamptz,
    expires_at      timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (credential_id, slot)
) WITH (fillfactor = 50);
