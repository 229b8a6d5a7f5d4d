-- Streaming out: where each consumer's messages wait until they are delivered, and how far the
-- stream reader has written them.

-- start_snapshot is the snapshot a consumer was created in: events of transactions visible in it were
-- copied at creation (start_at 'all') or are skipped (start_at 'new'); the stream reader fans out the
-- events of every other transaction. start_seq is the highest seq visible in that snapshot.
ALTER TABLE sequin.consumers
    ADD COLUMN start_snapshot pg_snapshot,
    ADD COLUMN start_seq bigint NOT NULL DEFAULT 0;

-- The outbox: one row per (consumer, event) until the consumer has it (acked, delivered with a 2xx,
-- produced and acknowledged by Kafka), when the row is deleted. Rows past their delivery budget stay
-- behind with state 'dead'. Only the stream reader and sequin.create_consumer insert here.
-- Events are immutable, so a row refers to its event by seq and message stays NULL while the event is
-- in sequin.events; a trigger copies the document into message before the event is deleted
-- (retention), so a message outlives its event. Small rows keep the outbox cheap to write, to update
-- and to decode: the replication slot reads this table's WAL too.
CREATE TABLE sequin.consumer_messages (
    consumer_id         uuid NOT NULL,
    seq                 bigint NOT NULL,
    -- collection_id || ':' || upstream_id: a record's messages are handed out one at a time, in seq order.
    record_key          text NOT NULL,
    sync_id             uuid NOT NULL,
    state               text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    deliver_count       integer NOT NULL DEFAULT 0,
    -- While in the future, the message is out with a consumer (ack_token set) or waiting to be retried.
    not_visible_until   timestamptz,
    last_delivered_at   timestamptz,
    ack_token           uuid,
    last_error          text,
    inserted_at         timestamptz NOT NULL DEFAULT now(),
    -- The message document, once its event has left sequin.events (sequin._event_message).
    message             jsonb,
    PRIMARY KEY (consumer_id, seq)
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05);
-- Hand-outs walk a consumer's pending messages in seq order, and look for an earlier pending message
-- of the same record; dead letters stay out of both indexes, so any number of them costs nothing.
CREATE INDEX consumer_messages_pending_idx ON sequin.consumer_messages (consumer_id, seq) WHERE state = 'pending';
CREATE INDEX consumer_messages_record_idx ON sequin.consumer_messages (consumer_id, record_key, seq) WHERE state = 'pending';

-- The end LSN of the last replicated commit whose events are in sequin.consumer_messages, per slot.
-- Written in the same transaction as the messages, so a commit replayed after a crash is not fanned
-- out twice.
CREATE TABLE sequin.stream_positions (
    slot_name           text PRIMARY KEY,
    lsn                 pg_lsn NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
