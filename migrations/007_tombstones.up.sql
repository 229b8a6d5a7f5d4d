-- Records deleted upstream, remembered for the event retention period: a copy of a deleted record
-- that arrives late (an earlier change's event, a page listed before the delete, a slow webhook
-- refetch) must not bring it back. deleted_at is the delete's upstream version time.
CREATE TABLE sequin.tombstones (
    sync_id         uuid NOT NULL,
    collection_id   text NOT NULL,
    upstream_id     text NOT NULL,
    deleted_at      timestamptz NOT NULL,
    PRIMARY KEY (sync_id, collection_id, upstream_id)
);
CREATE INDEX tombstones_deleted_at_idx ON sequin.tombstones (deleted_at);
