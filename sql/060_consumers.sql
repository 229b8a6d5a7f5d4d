-- Streaming out: the publications for native subscribers, consumers (http_pull, webhook, kafka) and
-- the pull API (next, ack, nack).
--
-- Fan-out and consumer changes are serialised by an advisory lock (0x5e90060): the stream reader
-- takes it shared around each batch it writes to sequin.consumer_messages, create_consumer and
-- drop_consumer take it exclusively. So a batch either sees a new consumer, or the consumer's
-- starting snapshot already contains every transaction of that batch.

-- Publications. sequin_events carries inserts only: retention deletes are not changes to stream.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'sequin_events') THEN
        CREATE PUBLICATION sequin_events FOR TABLE sequin.events WITH (publish = 'insert');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'sequin_records') THEN
        CREATE PUBLICATION sequin_records;
    END IF;
END $$;

-- Makes the publication sequin_records hold exactly the synced tables that exist: adds the tables
-- of new syncs and collections, removes those no longer synced (dropped tables leave by themselves).
-- Returns the number of tables added or removed. Call it after creating or dropping synced tables.
CREATE OR REPLACE FUNCTION sequin._sync_records_publication()
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(x'5e90061'::bigint);
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'sequin_records') THEN
        CREATE PUBLICATION sequin_records;
    END IF;
    FOR r IN
        SELECT DISTINCT s.schema_name, sc.table_name
          FROM sequin.sync_collections sc JOIN sequin.syncs s ON s.id = sc.sync_id
         WHERE to_regclass(format('%I.%I', s.schema_name, sc.table_name)) IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM pg_publication_tables pt
                            WHERE pt.pubname = 'sequin_records' AND pt.schemaname = s.schema_name AND pt.tablename = sc.table_name)
    LOOP
        EXECUTE format('ALTER PUBLICATION sequin_records ADD TABLE %I.%I', r.schema_name, r.table_name);
        n := n + 1;
    END LOOP;
    FOR r IN
        SELECT pt.schemaname, pt.tablename
          FROM pg_publication_tables pt
         WHERE pt.pubname = 'sequin_records'
           AND NOT EXISTS (SELECT 1 FROM sequin.sync_collections sc JOIN sequin.syncs s ON s.id = sc.sync_id
                            WHERE s.schema_name = pt.schemaname AND sc.table_name = pt.tablename)
    LOOP
        EXECUTE format('ALTER PUBLICATION sequin_records DROP TABLE %I.%I', r.schemaname, r.tablename);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

SELECT sequin._sync_records_publication();

-- A timestamp as delivered in messages: UTC, microseconds, RFC 3339 ("2024-05-01T12:34:56.000000Z").
CREATE OR REPLACE FUNCTION sequin._message_ts(t timestamptz)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
$$;

-- An event as delivered to consumers, as json text: building json copies data and previous_data as
-- their text, where jsonb_build_object would take them apart and reassemble them (several times
-- slower for a kilobyte of data, and the document is sent as text anyway). STABLE (not IMMUTABLE,
-- to_char depends on settings) so that it is inlined into the queries that call it.
CREATE OR REPLACE FUNCTION sequin._event_json(e sequin.events)
RETURNS json LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT json_build_object(
        'seq', e.seq, 'event_id', e.event_id, 'sync_id', e.sync_id, 'collection_id', e.collection_id,
        'upstream_id', e.upstream_id, 'upstream_updated_at', sequin._message_ts(e.upstream_updated_at),
        'event', e.event, 'data', e.data, 'previous_data', e.previous_data,
        'event_inserted_at', sequin._message_ts(e.event_inserted_at));
$$;

-- An event as delivered to consumers, as jsonb.
CREATE OR REPLACE FUNCTION sequin._event_message(e sequin.events)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sequin._event_json(e)::jsonb;
$$;

-- The document of an outbox row: its own copy once the event is gone, else built from the event e
-- (a row of sequin.events, NULL when it is missing: a stub then says so).
CREATE OR REPLACE FUNCTION sequin._message_json(seq bigint, message jsonb, e sequin.events)
RETURNS json LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(message::json, CASE WHEN e.seq IS NOT NULL THEN sequin._event_json(e) END,
                    json_build_object('seq', seq, 'missing', true));
$$;

-- Outbox rows refer to events by seq: when events are deleted (retention) or truncated, the rows
-- still waiting for them get their own copy of the document first.
CREATE OR REPLACE FUNCTION sequin._events_keep_messages()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE sequin.consumer_messages m SET message = sequin._event_message(e)
          FROM sequin.events e WHERE m.message IS NULL AND e.seq = m.seq;
    ELSE
        -- Through the consumers, so each row is found by its primary key (consumer_id, seq).
        UPDATE sequin.consumer_messages m SET message = sequin._event_message(g::sequin.events)
          FROM gone g, sequin.consumers c WHERE m.consumer_id = c.id AND m.seq = g.seq AND m.message IS NULL;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS events_keep_messages ON sequin.events;
CREATE TRIGGER events_keep_messages AFTER DELETE ON sequin.events
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sequin._events_keep_messages();
DROP TRIGGER IF EXISTS events_keep_messages_truncate ON sequin.events;
CREATE TRIGGER events_keep_messages_truncate BEFORE TRUNCATE ON sequin.events
    FOR EACH STATEMENT EXECUTE FUNCTION sequin._events_keep_messages();

-- Whether consumer c takes events of this sync and collection (NULL filters take everything).
CREATE OR REPLACE FUNCTION sequin._consumer_wants(c sequin.consumers, sync_id uuid, collection_id text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (c.sync_ids IS NULL OR sync_id = ANY (c.sync_ids))
       AND (c.collection_ids IS NULL OR collection_id = ANY (c.collection_ids));
$$;

-- The full transaction id of a 32-bit xid of a committed transaction (the epoch is the current one,
-- or the previous one for xids above the current counter).
CREATE OR REPLACE FUNCTION sequin._xid8(x xid)
RETURNS xid8 LANGUAGE sql STABLE AS $$
    SELECT (CASE WHEN x::text::bigint < (nxt & 4294967295) OR nxt < 4294967296
                 THEN (nxt >> 32 << 32) | x::text::bigint
                 ELSE ((nxt >> 32) - 1 << 32) | x::text::bigint END)::text::xid8
      FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS nxt) s;
$$;

-- Finds a consumer by name or id.
CREATE OR REPLACE FUNCTION sequin._consumer(fn text, consumer text, lock boolean DEFAULT false)
RETURNS sequin.consumers LANGUAGE plpgsql AS $$
DECLARE
    c sequin.consumers;
BEGIN
    IF consumer IS NULL OR btrim(consumer) = '' THEN
        PERFORM sequin._raise(fn, 'consumer', 'must not be null or empty', 'give the consumer''s name or id');
    END IF;
    SELECT * INTO c FROM sequin.consumers x WHERE x.name = consumer;
    IF NOT FOUND AND consumer ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        SELECT * INTO c FROM sequin.consumers x WHERE x.id = consumer::uuid;
    END IF;
    IF c.id IS NULL THEN
        PERFORM sequin._raise(fn, 'consumer', format('no consumer %L', consumer),
            coalesce('consumers: ' || (SELECT string_agg(x.name, ', ' ORDER BY x.name) FROM sequin.consumers x), 'there are no consumers'));
    END IF;
    IF lock THEN
        PERFORM 1 FROM sequin.consumers x WHERE x.id = c.id FOR UPDATE;
    END IF;
    RETURN c;
END $$;

-- Checks an integer option of a consumer config and returns it (NULL when absent).
CREATE OR REPLACE FUNCTION sequin._config_int(fn text, config jsonb, key text, lo bigint, hi bigint)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF NOT config ? key OR jsonb_typeof(config->key) = 'null' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(config->key) <> 'number' OR (config->>key)::numeric <> trunc((config->>key)::numeric)
       OR (config->>key)::numeric < lo OR (config->>key)::numeric > hi THEN
        PERFORM sequin._raise(fn, 'config', format('%s must be an integer from %s to %s', key, lo, hi));
    END IF;
    RETURN (config->>key)::bigint;
END $$;

-- Checks a consumer's config for its kind and returns it.
--   webhook: url (http/https, required), secret, batch_size, max_retries, timeout_ms, backoff_ms,
--            max_backoff_ms, headers (object of strings), max_in_flight (requests at once, 1 to 64)
--   kafka:   brokers (array of "host:port", required), topic (template: {sync_name}, {sync_id},
--            {collection}; default "sequin.{sync_name}"), tls (boolean or {ca_cert, insecure_skip_verify,
--            server_name}), sasl ({mechanism: plain|scram-sha-256|scram-sha-512, username, password}),
--            batch_size, max_retries, timeout_ms, backoff_ms, max_backoff_ms
--   http_pull: no options
CREATE OR REPLACE FUNCTION sequin._validate_consumer_config(fn text, kind text, config jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    allowed text[];
    k text;
    v jsonb;
BEGIN
    config := sequin._require_object(fn, 'config', config);
    allowed := CASE kind
        WHEN 'http_pull' THEN ARRAY[]::text[]
        WHEN 'webhook' THEN ARRAY['url', 'secret', 'batch_size', 'max_retries', 'timeout_ms', 'backoff_ms', 'max_backoff_ms', 'headers', 'max_in_flight']
        WHEN 'kafka' THEN ARRAY['brokers', 'topic', 'tls', 'sasl', 'batch_size', 'max_retries', 'timeout_ms', 'backoff_ms', 'max_backoff_ms']
    END;
    FOR k IN SELECT jsonb_object_keys(config) LOOP
        IF NOT k = ANY (allowed) THEN
            PERFORM sequin._raise(fn, 'config', format('unknown key %L for a %s consumer', k, kind),
                CASE WHEN cardinality(allowed) = 0 THEN kind || ' consumers take no config'
                     ELSE 'accepted keys: ' || array_to_string(allowed, ', ') END);
        END IF;
    END LOOP;
    PERFORM sequin._config_int(fn, config, 'batch_size', 1, 10000);
    PERFORM sequin._config_int(fn, config, 'max_retries', 0, 1000000);
    PERFORM sequin._config_int(fn, config, 'timeout_ms', 100, 600000);
    PERFORM sequin._config_int(fn, config, 'backoff_ms', 1, 3600000);
    PERFORM sequin._config_int(fn, config, 'max_backoff_ms', 1, 86400000);
    PERFORM sequin._config_int(fn, config, 'max_in_flight', 1, 64);
    IF kind = 'webhook' THEN
        IF jsonb_typeof(config->'url') IS DISTINCT FROM 'string' OR config->>'url' !~* '^https?://[^/\s?#]+[^\s]*$' THEN
            PERFORM sequin._raise(fn, 'config', 'url must be an http:// or https:// URL',
                'e.g. {"url": "https://example.com/hooks/sequin", "secret": "..."}');
        END IF;
        IF config ? 'secret' AND (jsonb_typeof(config->'secret') <> 'string' OR config->>'secret' = '') THEN
            PERFORM sequin._raise(fn, 'config', 'secret must be a non-empty string');
        END IF;
        IF config ? 'headers' THEN
            IF jsonb_typeof(config->'headers') <> 'object' THEN
                PERFORM sequin._raise(fn, 'config', 'headers must be an object of header names to strings');
            END IF;
            FOR k, v IN SELECT * FROM jsonb_each(config->'headers') LOOP
                IF jsonb_typeof(v) <> 'string' OR k !~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]+$' THEN
                    PERFORM sequin._raise(fn, 'config', format('header %L must have a token name and a string value', k));
                END IF;
            END LOOP;
        END IF;
    ELSIF kind = 'kafka' THEN
        IF jsonb_typeof(config->'brokers') IS DISTINCT FROM 'array' OR jsonb_array_length(config->'brokers') = 0 THEN
            PERFORM sequin._raise(fn, 'config', 'brokers must be a non-empty array of "host:port" strings',
                'e.g. {"brokers": ["kafka-1:9092", "kafka-2:9092"]}');
        END IF;
        FOR v IN SELECT * FROM jsonb_array_elements(config->'brokers') LOOP
            IF jsonb_typeof(v) <> 'string' OR v #>> '{}' !~ '^[^\s:]+:[0-9]{1,5}$' THEN
                PERFORM sequin._raise(fn, 'config', format('broker %s must be a "host:port" string', v));
            END IF;
        END LOOP;
        IF config ? 'topic' AND (jsonb_typeof(config->'topic') <> 'string'
            OR replace(replace(replace(config->>'topic', '{sync_name}', 'x'), '{sync_id}', 'x'), '{collection}', 'x') !~ '^[A-Za-z0-9._-]{1,249}$') THEN
            PERFORM sequin._raise(fn, 'config', 'topic must be a Kafka topic name, optionally with {sync_name}, {sync_id} or {collection}',
                'the default is "sequin.{sync_name}"');
        END IF;
        IF config ? 'tls' AND jsonb_typeof(config->'tls') NOT IN ('boolean', 'object') THEN
            PERFORM sequin._raise(fn, 'config', 'tls must be true, false or {"ca_cert": "PEM", "insecure_skip_verify": false, "server_name": "..."}');
        END IF;
        IF jsonb_typeof(config->'tls') = 'object' THEN
            FOR k, v IN SELECT * FROM jsonb_each(config->'tls') LOOP
                IF NOT (k IN ('ca_cert', 'server_name') AND jsonb_typeof(v) = 'string' OR k = 'insecure_skip_verify' AND jsonb_typeof(v) = 'boolean') THEN
                    PERFORM sequin._raise(fn, 'config', format('tls: unknown or mistyped key %L', k),
                        'accepted: ca_cert (PEM string), server_name (string), insecure_skip_verify (boolean)');
                END IF;
            END LOOP;
        END IF;
        IF config ? 'sasl' THEN
            IF jsonb_typeof(config->'sasl') <> 'object'
               OR coalesce(config->'sasl'->>'mechanism', '') NOT IN ('plain', 'scram-sha-256', 'scram-sha-512')
               OR jsonb_typeof(config->'sasl'->'username') IS DISTINCT FROM 'string'
               OR jsonb_typeof(config->'sasl'->'password') IS DISTINCT FROM 'string'
               OR EXISTS (SELECT 1 FROM jsonb_object_keys(config->'sasl') x WHERE x NOT IN ('mechanism', 'username', 'password')) THEN
                PERFORM sequin._raise(fn, 'config', 'sasl must be {"mechanism": "plain" | "scram-sha-256" | "scram-sha-512", "username": "...", "password": "..."}');
            END IF;
        END IF;
    END IF;
    RETURN config;
END $$;

-- Creates a consumer of events. start_at 'all' delivers every retained event first, 'new' only those
-- committed later. sync_ids and collection_ids filter (NULL: everything). http_pull consumers must ack
-- within ack_wait_ms or get the message again; after max_deliver deliveries (-1: no limit) a message
-- is dead-lettered. For webhook and kafka consumers, config max_retries sets max_deliver to
-- max_retries + 1 deliveries. While a sidecar creates its replication slot (first start), this waits
-- for it: the slot's catch-up copy and a new consumer's copy must not overlap.
CREATE OR REPLACE FUNCTION sequin.create_consumer(
    name text, kind text, config jsonb DEFAULT '{}', sync_ids uuid[] DEFAULT NULL,
    collection_ids text[] DEFAULT NULL, start_at text DEFAULT 'all',
    ack_wait_ms integer DEFAULT 60000, max_deliver integer DEFAULT -1)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    cfg jsonb;
    sid uuid;
    cid text;
    budget integer := max_deliver;
    new_id uuid;
    copied bigint;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM sequin._raise('create_consumer', 'name', 'must run in a READ COMMITTED transaction',
            'the consumer''s starting point is taken after a lock; call it outside REPEATABLE READ or SERIALIZABLE transactions');
    END IF;
    -- Wait for a fan-out batch in progress; from here on the stream reader sees this consumer or
    -- waits for it.
    PERFORM pg_advisory_xact_lock(x'5e90060'::bigint);
    IF name IS NULL OR name !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' THEN
        PERFORM sequin._raise('create_consumer', 'name', format('%L is not a valid consumer name', name),
            'use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit');
    END IF;
    IF EXISTS (SELECT 1 FROM sequin.consumers c WHERE c.name = create_consumer.name) THEN
        PERFORM sequin._raise('create_consumer', 'name', format('a consumer named %L already exists', name));
    END IF;
    IF kind IS NULL OR kind NOT IN ('http_pull', 'webhook', 'kafka') THEN
        PERFORM sequin._raise('create_consumer', 'kind', format('unknown kind %L', kind), 'kinds: http_pull, webhook, kafka');
    END IF;
    cfg := sequin._validate_consumer_config('create_consumer', kind, config);
    IF sync_ids IS NOT NULL THEN
        IF cardinality(sync_ids) = 0 THEN
            PERFORM sequin._raise('create_consumer', 'sync_ids', 'must not be empty', 'pass NULL to take every sync');
        END IF;
        FOREACH sid IN ARRAY sync_ids LOOP
            IF sid IS NULL OR NOT EXISTS (SELECT 1 FROM sequin.syncs s WHERE s.id = sid) THEN
                PERFORM sequin._raise('create_consumer', 'sync_ids', format('no sync %s', coalesce(sid::text, 'NULL')));
            END IF;
        END LOOP;
    END IF;
    IF collection_ids IS NOT NULL THEN
        IF cardinality(collection_ids) = 0 THEN
            PERFORM sequin._raise('create_consumer', 'collection_ids', 'must not be empty', 'pass NULL to take every collection');
        END IF;
        FOREACH cid IN ARRAY collection_ids LOOP
            IF cid IS NULL OR NOT EXISTS (SELECT 1 FROM sequin.providers_catalog p, jsonb_array_elements(p.collections) e WHERE e->>'id' = cid) THEN
                PERFORM sequin._raise('create_consumer', 'collection_ids', format('unknown collection %L', cid),
                    'give full collection ids such as ' || coalesce((SELECT string_agg(e->>'id', ', ') FROM
                        (SELECT e FROM sequin.providers_catalog p, jsonb_array_elements(p.collections) e LIMIT 5) x), 'stripe:customer'));
            END IF;
        END LOOP;
    END IF;
    IF start_at IS NULL OR start_at NOT IN ('all', 'new') THEN
        PERFORM sequin._raise('create_consumer', 'start_at', format('must be ''all'' or ''new'', not %L', start_at));
    END IF;
    IF ack_wait_ms IS NULL OR ack_wait_ms < 100 OR ack_wait_ms > 43200000 THEN
        PERFORM sequin._raise('create_consumer', 'ack_wait_ms', 'must be from 100 to 43200000 (12 hours)');
    END IF;
    IF max_deliver IS NULL OR (max_deliver <> -1 AND max_deliver < 1) THEN
        PERFORM sequin._raise('create_consumer', 'max_deliver', 'must be -1 (no limit) or a positive number of deliveries');
    END IF;
    IF cfg ? 'max_retries' THEN
        IF max_deliver <> -1 AND max_deliver <> (cfg->>'max_retries')::integer + 1 THEN
            PERFORM sequin._raise('create_consumer', 'max_deliver', 'contradicts config max_retries',
                'max_retries n means n + 1 deliveries: give one of them');
        END IF;
        budget := (cfg->>'max_retries')::integer + 1;
    END IF;
    INSERT INTO sequin.consumers (name, kind, config, sync_ids, collection_ids, start_at, ack_wait_ms, max_deliver)
    VALUES (name, kind, cfg, sync_ids, collection_ids, start_at, ack_wait_ms, budget)
    RETURNING id INTO new_id;
    -- A transaction is marked committed a moment before it stops counting as running in snapshots,
    -- and the stream reader may already have fanned it out (to the consumers of then) in between.
    -- Wait for such transactions to settle, so that the snapshot below sees every transaction a
    -- fan-out batch before this one held.
    LOOP
        EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(pg_current_snapshot()) x WHERE pg_xact_status(x) = 'committed');
        PERFORM pg_sleep(0.001);
    END LOOP;
    -- One statement, one snapshot: the copied events are exactly those visible in start_snapshot.
    WITH start AS (
        UPDATE sequin.consumers c
           SET start_snapshot = pg_current_snapshot(),
               start_seq = coalesce((SELECT max(e.seq) FROM sequin.events e), 0)
         WHERE c.id = new_id
        RETURNING c.*)
    INSERT INTO sequin.consumer_messages (consumer_id, seq, record_key, sync_id)
    SELECT new_id, e.seq, e.collection_id || ':' || e.upstream_id, e.sync_id
      FROM sequin.events e, start c
     WHERE create_consumer.start_at = 'all' AND sequin._consumer_wants(c::sequin.consumers, e.sync_id, e.collection_id);
    GET DIAGNOSTICS copied = ROW_COUNT;
    -- Hand-outs are planned from the outbox's statistics: a large copy must not be planned as if the
    -- outbox were empty.
    IF copied >= 1000 THEN
        ANALYZE sequin.consumer_messages;
    END IF;
    PERFORM sequin._notify('consumer_created', new_id);
    PERFORM pg_notify('sequin_consumers', 'consumers');
    RETURN new_id;
END $$;

-- Drops a consumer and its undelivered messages.
CREATE OR REPLACE FUNCTION sequin.drop_consumer(consumer text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c sequin.consumers;
BEGIN
    PERFORM pg_advisory_xact_lock(x'5e90060'::bigint);
    c := sequin._consumer('drop_consumer', consumer, true);
    DELETE FROM sequin.consumer_messages m WHERE m.consumer_id = c.id;
    DELETE FROM sequin.consumers x WHERE x.id = c.id;
    PERFORM sequin._notify('consumer_dropped', c.id);
    PERFORM pg_notify('sequin_consumers', 'consumers');
END $$;

-- Pauses delivery to a consumer. Its messages keep accumulating; next returns nothing meanwhile.
CREATE OR REPLACE FUNCTION sequin.pause_consumer(consumer text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c sequin.consumers;
BEGIN
    c := sequin._consumer('pause_consumer', consumer, true);
    UPDATE sequin.consumers x SET status = 'paused', updated_at = now() WHERE x.id = c.id;
    PERFORM sequin._notify('consumer_paused', c.id);
    PERFORM pg_notify('sequin_consumers', 'consumers');
END $$;

-- Resumes delivery to a paused consumer and clears its health, so a fixed endpoint is tried at once.
CREATE OR REPLACE FUNCTION sequin.resume_consumer(consumer text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c sequin.consumers;
BEGIN
    c := sequin._consumer('resume_consumer', consumer, true);
    UPDATE sequin.consumers x SET status = 'active', health = 'healthy', health_message = NULL, updated_at = now() WHERE x.id = c.id;
    UPDATE sequin.consumer_messages m SET not_visible_until = NULL
     WHERE m.consumer_id = c.id AND m.state = 'pending' AND m.ack_token IS NULL AND m.not_visible_until > now();
    PERFORM sequin._notify('consumer_resumed', c.id);
    PERFORM pg_notify('sequin_consumers', 'consumers');
END $$;

-- Puts a consumer's dead-lettered messages back in line with a fresh delivery budget. Returns how many.
CREATE OR REPLACE FUNCTION sequin.requeue_dead_letters(consumer text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    c sequin.consumers;
    n integer;
BEGIN
    c := sequin._consumer('requeue_dead_letters', consumer);
    UPDATE sequin.consumer_messages m
       SET state = 'pending', deliver_count = 0, not_visible_until = NULL, ack_token = NULL
     WHERE m.consumer_id = c.id
       AND (m.state = 'dead' OR (c.max_deliver > 0 AND m.deliver_count >= c.max_deliver AND m.not_visible_until <= now()));
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_notify('sequin_consumers', 'messages');
    RETURN n;
END $$;

-- Hands out up to batch_size messages of a consumer, each with a fresh token, and keeps them out of
-- sight for lease_ms: they come back by themselves unless they are settled (deleted once delivered,
-- or given back) before then. The oldest messages go first; per record, a message is handed out only
-- once every earlier message of that record is settled (or dead-lettered), so a record's events are
-- delivered one at a time, in order. Concurrent callers never get the same message at once (SKIP
-- LOCKED). A message that comes up again with its deliveries used up is dead-lettered instead.
-- Used by sequin.next for http_pull consumers and by the sidecar's webhook and Kafka deliverers.
-- Plans are made per call (plan_cache_mode): a plan cached while the outbox was empty is ruinous
-- once it holds a backlog.
CREATE OR REPLACE FUNCTION sequin._take(consumer_id uuid, batch_size integer, lease_ms integer)
RETURNS TABLE (seq bigint, token uuid, deliver_count integer, record_key text, sync_id uuid, collection_id text, message json)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    c sequin.consumers;
BEGIN
    SELECT * INTO c FROM sequin.consumers x WHERE x.id = _take.consumer_id;
    IF NOT FOUND OR c.status = 'paused' THEN
        RETURN;
    END IF;
    -- Nothing due: a caller polling an empty outbox should not pay for planning the hand-out.
    PERFORM 1 FROM sequin.consumer_messages m
      WHERE m.consumer_id = c.id AND m.state = 'pending' AND (m.not_visible_until IS NULL OR m.not_visible_until <= now())
      LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- The chosen rows are locked, so their ctids hold until the update: it reaches them by TID scan,
    -- where a join on (consumer_id, seq) tends to hash the whole outbox.
    -- Fresh statistics of the outbox still help (whoever writes many rows at once analyzes it), but
    -- the plan's shape does not depend on them.
    RETURN QUERY
    WITH candidates AS (
        SELECT m.ctid AS tid
          FROM sequin.consumer_messages m
         WHERE m.consumer_id = c.id AND m.state = 'pending'
           AND (m.not_visible_until IS NULL OR m.not_visible_until <= now())
           -- A scalar subquery rather than NOT EXISTS: it is run per candidate as a probe of
           -- consumer_messages_record_idx by (consumer, record, seq) whatever the statistics say,
           -- where an anti-join planned from a fresh table's empty statistics scans every pending
           -- message of the consumer for each candidate.
           AND (SELECT 1 FROM sequin.consumer_messages p
                 WHERE p.consumer_id = c.id AND p.record_key = m.record_key AND p.seq < m.seq AND p.state = 'pending'
                 LIMIT 1) IS NULL
         ORDER BY m.seq
         LIMIT _take.batch_size
           FOR UPDATE OF m SKIP LOCKED),
    handed AS (
        -- A message whose deliveries are used up is dead-lettered instead.
        UPDATE sequin.consumer_messages m
           SET state = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver THEN 'dead' ELSE 'pending' END,
               deliver_count = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver THEN m.deliver_count ELSE m.deliver_count + 1 END,
               not_visible_until = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver THEN m.not_visible_until
                                        ELSE now() + make_interval(secs => _take.lease_ms / 1000.0) END,
               last_delivered_at = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver THEN m.last_delivered_at ELSE now() END,
               ack_token = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver THEN NULL ELSE gen_random_uuid() END,
               last_error = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver
                                 THEN format('%s deliveries without an ack', m.deliver_count) || coalesce('; last error: ' || m.last_error, '')
                                 ELSE m.last_error END
         WHERE m.ctid = ANY (ARRAY(SELECT k.tid FROM candidates k))
        RETURNING m.seq, m.state, m.ack_token, m.deliver_count, m.record_key, m.sync_id, m.message)
    SELECT h.seq, h.ack_token, h.deliver_count, h.record_key, h.sync_id, coalesce(e.collection_id, h.message->>'collection_id'),
           sequin._message_json(h.seq, h.message, e)
      FROM handed h LEFT JOIN sequin.events e ON e.seq = h.seq
     WHERE h.state = 'pending' ORDER BY h.seq;
END $$;

-- sequin.next with the documents as json text, for the HTTP pull API (no jsonb round trip).
CREATE OR REPLACE FUNCTION sequin._next(consumer text, batch_size integer)
RETURNS TABLE (ack_token text, message json) LANGUAGE plpgsql AS $$
DECLARE
    c sequin.consumers;
BEGIN
    c := sequin._consumer('next', consumer);
    IF c.kind <> 'http_pull' THEN
        PERFORM sequin._raise('next', 'consumer', format('consumer %s is a %s consumer, not http_pull', c.name, c.kind),
            'only http_pull consumers are pulled from; the sidecar delivers to the others');
    END IF;
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        PERFORM sequin._raise('next', 'batch_size', 'must be from 1 to 10000');
    END IF;
    RETURN QUERY
    SELECT t.seq::text || '.' || t.token::text, t.message FROM sequin._take(c.id, batch_size, c.ack_wait_ms) t;
END $$;

-- Hands out up to batch_size messages of an http_pull consumer, each with a token to ack or nack
-- it by. A message is out for ack_wait_ms, then handed out again. Per record, a message is handed out
-- only once every earlier message of that record has been acked (or dead-lettered). Concurrent
-- callers never get the same message at once.
CREATE OR REPLACE FUNCTION sequin.next(consumer text, batch_size integer DEFAULT 10)
RETURNS TABLE (ack_token text, message jsonb) LANGUAGE sql AS $$
    SELECT n.ack_token, n.message::jsonb FROM sequin._next(consumer, batch_size) n;
$$;

-- Splits ack tokens ("<seq>.<uuid>") into their parts, refusing malformed ones. One pass over the
-- array in SQL: a loop in PL/pgSQL cost several microseconds per token.
DROP FUNCTION IF EXISTS sequin._ack_tokens(text, text[]);
CREATE OR REPLACE FUNCTION sequin._split_ack_tokens(fn text, ack_tokens text[], OUT seqs bigint[], OUT tokens uuid[])
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    bad text;
    is_bad boolean;
BEGIN
    IF ack_tokens IS NULL THEN
        PERFORM sequin._raise(fn, 'ack_tokens', 'must not be null');
    END IF;
    SELECT t, true INTO bad, is_bad FROM unnest(ack_tokens) t
     WHERE t IS NULL OR t !~ '^[0-9]{1,19}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' LIMIT 1;
    IF is_bad THEN
        PERFORM sequin._raise(fn, 'ack_tokens', format('malformed ack token %L', bad), 'pass the ack_token values sequin.next returned');
    END IF;
    SELECT coalesce(array_agg(split_part(t, '.', 1)::bigint), '{}'), coalesce(array_agg(split_part(t, '.', 2)::uuid), '{}')
      INTO seqs, tokens FROM unnest(ack_tokens) t;
END $$;

-- Acknowledges messages: the consumer has them, they are not delivered again. Tokens of messages
-- handed out again since (ack_wait_ms passed) or already acked are ignored. Returns the number acked.
CREATE OR REPLACE FUNCTION sequin.ack(consumer text, ack_tokens text[])
RETURNS integer LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    c sequin.consumers;
    seqs bigint[];
    tokens uuid[];
    n integer;
BEGIN
    c := sequin._consumer('ack', consumer);
    SELECT t.seqs, t.tokens INTO seqs, tokens FROM sequin._split_ack_tokens('ack', ack_tokens) t;
    -- Tokens are random and fresh at every hand-out, so matching the sets is matching the pairs; it
    -- keeps the plan an index scan of the consumer's rows by seq.
    DELETE FROM sequin.consumer_messages m
     WHERE m.consumer_id = c.id AND m.seq = ANY (seqs) AND m.ack_token = ANY (tokens) AND m.state = 'pending';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Gives messages back: they are available again at once (or dead-lettered when their deliveries are
-- used up). Returns the number given back.
CREATE OR REPLACE FUNCTION sequin.nack(consumer text, ack_tokens text[])
RETURNS integer LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    c sequin.consumers;
    seqs bigint[];
    tokens uuid[];
    n integer;
BEGIN
    c := sequin._consumer('nack', consumer);
    SELECT t.seqs, t.tokens INTO seqs, tokens FROM sequin._split_ack_tokens('nack', ack_tokens) t;
    UPDATE sequin.consumer_messages m
       SET not_visible_until = now(), ack_token = NULL,
           state = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver THEN 'dead' ELSE 'pending' END,
           last_error = CASE WHEN c.max_deliver > 0 AND m.deliver_count >= c.max_deliver
                             THEN format('nacked after %s deliveries', m.deliver_count) ELSE m.last_error END
     WHERE m.consumer_id = c.id AND m.seq = ANY (seqs) AND m.ack_token = ANY (tokens) AND m.state = 'pending';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('sequin_consumers', 'messages');
    END IF;
    RETURN n;
END $$;

DROP VIEW IF EXISTS sequin.consumer_dead_letters;
DROP VIEW IF EXISTS sequin.consumer_status;

-- Messages whose delivery budget is used up: dead-lettered, or out of deliveries and past their wait.
CREATE VIEW sequin.consumer_dead_letters AS
SELECT c.id AS consumer_id, c.name AS consumer_name, m.seq, m.record_key, m.sync_id,
       m.deliver_count, m.last_error, m.last_delivered_at, m.inserted_at, sequin._message_json(m.seq, m.message, e)::jsonb AS message
  FROM sequin.consumer_messages m
  JOIN sequin.consumers c ON c.id = m.consumer_id
  LEFT JOIN sequin.events e ON e.seq = m.seq
 WHERE m.state = 'dead'
    OR (c.max_deliver > 0 AND m.deliver_count >= c.max_deliver AND m.not_visible_until <= now());

-- Per consumer: messages waiting (num_pending), out and not yet acked (num_ack_pending), dead-lettered
-- (num_dead), the oldest waiting message, and health.
CREATE VIEW sequin.consumer_status AS
SELECT c.id AS consumer_id, c.name, c.kind, c.status, c.start_at,
       coalesce(s.num_pending, 0) AS num_pending,
       coalesce(s.num_ack_pending, 0) AS num_ack_pending,
       coalesce(s.num_dead, 0) AS num_dead,
       s.oldest_pending_at,
       c.health, c.health_message, c.inserted_at, c.updated_at
  FROM sequin.consumers c
  LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE NOT x.dead AND NOT x.out) AS num_pending,
             count(*) FILTER (WHERE NOT x.dead AND x.out) AS num_ack_pending,
             count(*) FILTER (WHERE x.dead) AS num_dead,
             min(x.inserted_at) FILTER (WHERE NOT x.dead) AS oldest_pending_at
        FROM (SELECT m.inserted_at,
                     m.state = 'dead' OR (c.max_deliver > 0 AND m.deliver_count >= c.max_deliver AND m.not_visible_until <= now()) AS dead,
                     m.ack_token IS NOT NULL AND m.not_visible_until > now() AS out
                FROM sequin.consumer_messages m WHERE m.consumer_id = c.id) x) s ON true;
