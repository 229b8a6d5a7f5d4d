-- Live sidecar processes, so that jobs left running by a sidecar that died (kill -9, lost host) are
-- handed to the living quickly instead of after River's generic rescue horizon.
CREATE TABLE sequin.sidecars (
    id              text PRIMARY KEY,
    hostname        text NOT NULL,
    version         text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    heartbeat_at    timestamptz NOT NULL DEFAULT now()
);
