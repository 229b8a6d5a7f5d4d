-- The SQL side of the HTTP management API: API tokens, and the sync updates the API's PATCH needs.

-- Creates an API token and returns it. Only its SHA-256 and a short prefix (to recognise it in
-- sequin.api_tokens_view) are stored, so the token is shown this once.
CREATE OR REPLACE FUNCTION sequin.create_api_token(name text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    token text;
BEGIN
    IF name IS NULL OR btrim(name) = '' THEN
        PERFORM sequin._raise('create_api_token', 'name', 'must not be null or empty');
    END IF;
    IF EXISTS (SELECT 1 FROM sequin.api_tokens t WHERE t.name = btrim(create_api_token.name) AND t.revoked_at IS NULL) THEN
        PERFORM sequin._raise('create_api_token', 'name', format('an active token named %L already exists', name),
            'choose another name, or revoke the old token first with sequin.revoke_api_token(...)');
    END IF;
    -- Two version-4 UUIDs: 244 random bits from the server's strong random source.
    token := 'sqn_' || replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    INSERT INTO sequin.api_tokens (name, token_hash, token_prefix)
    VALUES (btrim(name), sha256(convert_to(token, 'UTF8')), left(token, 12));
    RETURN token;
END $$;

-- Revokes the active token with this id or name; requests presenting it are refused from now on.
CREATE OR REPLACE FUNCTION sequin.revoke_api_token(id_or_name text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    IF id_or_name IS NULL OR btrim(id_or_name) = '' THEN
        PERFORM sequin._raise('revoke_api_token', 'id_or_name', 'must not be null or empty');
    END IF;
    UPDATE sequin.api_tokens t SET revoked_at = now()
     WHERE t.revoked_at IS NULL AND (t.name = btrim(id_or_name) OR t.id::text = lower(btrim(id_or_name)));
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        PERFORM sequin._raise('revoke_api_token', 'id_or_name', format('no active token %L', id_or_name),
            'active tokens: SELECT id, name, token_prefix FROM sequin.api_tokens_view WHERE active');
    END IF;
END $$;

DROP VIEW IF EXISTS sequin.api_tokens_view;
CREATE VIEW sequin.api_tokens_view AS
SELECT id, name, token_prefix, revoked_at IS NULL AS active, inserted_at, last_used_at, revoked_at
  FROM sequin.api_tokens;

-- Checks the options of a sync (after merging, for updates): base_url and poll_interval_ms.
CREATE OR REPLACE FUNCTION sequin._validate_sync_options(fn text, opts jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM sequin._require_object(fn, 'options', opts);
    IF opts ? 'base_url' AND (jsonb_typeof(opts->'base_url') <> 'string' OR opts->>'base_url' !~ '^https?://[^ ]+$') THEN
        PERFORM sequin._raise(fn, 'options', 'base_url must be an http(s) URL');
    END IF;
    IF opts ? 'poll_interval_ms' AND (jsonb_typeof(opts->'poll_interval_ms') <> 'number' OR (opts->>'poll_interval_ms')::numeric < 100) THEN
        PERFORM sequin._raise(fn, 'options', 'poll_interval_ms must be a number of milliseconds >= 100');
    END IF;
    RETURN opts;
END $$;

-- Changes a sync's name, rate limit, metadata or options; arguments left null are kept. metadata
-- replaces the old metadata; options are merged into the old options, and a key set to null removes
-- that option. The schema cannot change: the synced tables live in it.
CREATE OR REPLACE FUNCTION sequin.update_sync(id uuid, name text DEFAULT NULL, rate_limit jsonb DEFAULT NULL,
                                              metadata jsonb DEFAULT NULL, options jsonb DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sequin.syncs;
    opts jsonb;
BEGIN
    s := sequin._sync('update_sync', id);
    IF name IS NOT NULL THEN
        IF btrim(name) = '' THEN
            PERFORM sequin._raise('update_sync', 'name', 'must not be empty');
        END IF;
        IF EXISTS (SELECT 1 FROM sequin.syncs x WHERE x.name = update_sync.name AND x.id <> s.id) THEN
            PERFORM sequin._raise('update_sync', 'name', format('a sync named %L already exists', name));
        END IF;
        s.name := name;
    END IF;
    IF rate_limit IS NOT NULL THEN
        s.rate_limit := sequin._validate_rate_limit('update_sync', rate_limit);
    END IF;
    IF metadata IS NOT NULL THEN
        s.metadata := sequin._require_object('update_sync', 'metadata', metadata);
    END IF;
    IF options IS NOT NULL THEN
        opts := sequin._require_object('update_sync', 'options', options);
        IF opts ? 'schema' AND opts->'schema' IS DISTINCT FROM to_jsonb(s.schema_name) THEN
            PERFORM sequin._raise('update_sync', 'options', format('schema cannot change (it is %L)', s.schema_name),
                'the synced tables live in the schema: create a new sync to use another one');
        END IF;
        s.options := sequin._validate_sync_options('update_sync',
            (s.options || opts) - ARRAY(SELECT e.key FROM jsonb_each(opts) e WHERE e.value = 'null'::jsonb));
    END IF;
    UPDATE sequin.syncs x
       SET name = s.name, rate_limit = s.rate_limit, metadata = s.metadata, options = s.options, updated_at = now()
     WHERE x.id = s.id;
    PERFORM sequin._notify('sync_updated', s.id);
END $$;
