-- Syncs: create, pause, resume, drop, add collections, resync.

CREATE OR REPLACE FUNCTION sequin.create_sync(
    provider text, name text, collection_ids text[], credential_id uuid,
    rate_limit jsonb DEFAULT NULL, metadata jsonb DEFAULT '{}', options jsonb DEFAULT '{}')
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    c sequin.providers_catalog;
    cred sequin.credentials;
    ids text[];
    rl jsonb;
    opts jsonb;
    v_schema text;
    new_id uuid;
BEGIN
    c := sequin._catalog('create_sync', provider);
    IF name IS NULL OR btrim(name) = '' THEN
        PERFORM sequin._raise('create_sync', 'name', 'must not be null or empty');
    END IF;
    IF EXISTS (SELECT 1 FROM sequin.syncs s WHERE s.name = create_sync.name) THEN
        PERFORM sequin._raise('create_sync', 'name', format('a sync named %L already exists', name));
    END IF;
    ids := sequin._validate_collections('create_sync', c, collection_ids);
    IF credential_id IS NULL THEN
        PERFORM sequin._raise('create_sync', 'credential_id', 'must not be null', 'create one with sequin.create_credential(...)');
    END IF;
    SELECT * INTO cred FROM sequin.credentials cr WHERE cr.id = create_sync.credential_id;
    IF NOT FOUND THEN
        PERFORM sequin._raise('create_sync', 'credential_id', format('no credential %s', credential_id));
    END IF;
    IF cred.provider <> c.provider THEN
        PERFORM sequin._raise('create_sync', 'credential_id', format('credential %s is for provider %s, not %s', credential_id, cred.provider, c.provider));
    END IF;
    IF rate_limit IS NULL THEN
        rl := CASE WHEN coalesce((cred.public_properties->>'test')::boolean, false) AND c.test_rate_limit IS NOT NULL
                   THEN c.test_rate_limit ELSE c.default_rate_limit END;
    ELSE
        rl := sequin._validate_rate_limit('create_sync', rate_limit);
    END IF;
    opts := sequin._require_object('create_sync', 'options', options);
    v_schema := coalesce(opts->>'schema', c.provider);
    IF v_schema !~ '^[a-z_][a-z0-9_]{0,62}$' OR v_schema IN ('sequin', 'public', 'pg_catalog', 'information_schema') THEN
        PERFORM sequin._raise('create_sync', 'options', format('schema %L must be a lower-case identifier and not a reserved schema', v_schema));
    END IF;
    IF EXISTS (SELECT 1 FROM sequin.syncs s WHERE s.schema_name = v_schema) THEN
        PERFORM sequin._raise('create_sync', 'options', format('schema %L is used by another sync', v_schema),
            'a second sync of the same provider needs its own schema: options => ''{"schema": "stripe_2"}''');
    END IF;
    IF opts ? 'base_url' AND (jsonb_typeof(opts->'base_url') <> 'string' OR opts->>'base_url' !~ '^https?://[^ ]+$') THEN
        PERFORM sequin._raise('create_sync', 'options', 'base_url must be an http(s) URL');
    END IF;
    IF opts ? 'poll_interval_ms' AND (jsonb_typeof(opts->'poll_interval_ms') <> 'number' OR (opts->>'poll_interval_ms')::numeric < 100) THEN
        PERFORM sequin._raise('create_sync', 'options', 'poll_interval_ms must be a number of milliseconds >= 100');
    END IF;
    INSERT INTO sequin.syncs (provider, name, credential_id, schema_name, rate_limit, metadata, options)
    VALUES (c.provider, name, credential_id, v_schema, rl,
            sequin._require_object('create_sync', 'metadata', metadata), opts || jsonb_build_object('schema', v_schema))
    RETURNING id INTO new_id;
    INSERT INTO sequin.sync_collections (sync_id, collection_id, table_name)
    SELECT new_id, cid, split_part(cid, ':', 2) FROM unnest(ids) cid;
    PERFORM sequin._notify('sync_created', new_id);
    RETURN new_id;
END $$;

CREATE OR REPLACE FUNCTION sequin._sync(fn text, sync_id uuid)
RETURNS sequin.syncs LANGUAGE plpgsql AS $$
DECLARE
    s sequin.syncs;
BEGIN
    IF sync_id IS NULL THEN
        PERFORM sequin._raise(fn, 'id', 'must not be null');
    END IF;
    SELECT * INTO s FROM sequin.syncs x WHERE x.id = sync_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM sequin._raise(fn, 'id', format('no sync %s', sync_id));
    END IF;
    RETURN s;
END $$;

CREATE OR REPLACE FUNCTION sequin.pause_sync(id uuid)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sequin._sync('pause_sync', id);
    UPDATE sequin.syncs s SET status = 'paused', updated_at = now() WHERE s.id = pause_sync.id;
    PERFORM sequin._notify('sync_paused', id);
END $$;

CREATE OR REPLACE FUNCTION sequin.resume_sync(id uuid)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sequin._sync('resume_sync', id);
    UPDATE sequin.syncs s SET status = 'active', updated_at = now() WHERE s.id = resume_sync.id;
    PERFORM sequin._notify('sync_resumed', id);
END $$;

CREATE OR REPLACE FUNCTION sequin.drop_sync(id uuid, drop_tables boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sequin.syncs;
    t text;
BEGIN
    s := sequin._sync('drop_sync', id);
    PERFORM sequin._rebuild_records_view(s.id);
    IF drop_tables THEN
        FOR t IN SELECT sc.table_name FROM sequin.sync_collections sc WHERE sc.sync_id = s.id LOOP
            EXECUTE format('DROP TABLE IF EXISTS %I.%I', s.schema_name, t);
        END LOOP;
        IF NOT EXISTS (SELECT 1 FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = s.schema_name) THEN
            EXECUTE format('DROP SCHEMA IF EXISTS %I', s.schema_name);
        END IF;
    END IF;
    DELETE FROM sequin.syncs x WHERE x.id = s.id;
    PERFORM sequin._notify('sync_dropped', s.id, jsonb_build_object('drop_tables', drop_tables));
END $$;

CREATE OR REPLACE FUNCTION sequin.add_collections(id uuid, collection_ids text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sequin.syncs;
    ids text[];
BEGIN
    s := sequin._sync('add_collections', id);
    ids := sequin._validate_collections('add_collections', sequin._catalog('add_collections', s.provider), collection_ids);
    INSERT INTO sequin.sync_collections (sync_id, collection_id, table_name)
    SELECT s.id, cid, split_part(cid, ':', 2) FROM unnest(ids) cid
    ON CONFLICT (sync_id, collection_id) DO NOTHING;
    PERFORM sequin._notify('collections_added', s.id);
END $$;

-- Starts the backfill of one collection (or all of the sync's) again. Records not seen by the new
-- backfill are deleted when it completes.
CREATE OR REPLACE FUNCTION sequin.resync(id uuid, collection_id text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sequin.syncs;
    full_id text;
BEGIN
    s := sequin._sync('resync', id);
    IF collection_id IS NOT NULL THEN
        full_id := CASE WHEN position(':' IN collection_id) > 0 THEN collection_id ELSE s.provider || ':' || collection_id END;
        IF NOT EXISTS (SELECT 1 FROM sequin.sync_collections sc WHERE sc.sync_id = s.id AND sc.collection_id = full_id) THEN
            PERFORM sequin._raise('resync', 'collection_id', format('sync %s has no collection %L', s.name, collection_id));
        END IF;
    END IF;
    UPDATE sequin.sync_collections sc
       SET state = 'pending', generation = sc.generation + 1, backfill_cursor = NULL, backfill_pages = 0,
           backfill_records = 0, backfill_total = NULL, backfill_started_at = NULL, backfill_completed_at = NULL,
           last_error = NULL, last_error_at = NULL, updated_at = now()
     WHERE sc.sync_id = s.id AND (full_id IS NULL OR sc.collection_id = full_id);
    PERFORM sequin._notify('sync_resync', s.id);
END $$;
