-- Internal helpers of the SQL surface. Names starting with an underscore are not part of the product.

CREATE OR REPLACE FUNCTION sequin._raise(fn text, arg text, message text, hint text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'invalid_parameter_value',
        MESSAGE = format('sequin.%s: argument "%s": %s', fn, arg, message),
        HINT = coalesce(hint, '');
END $$;

CREATE OR REPLACE FUNCTION sequin._notify(kind text, id uuid, extra jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('sequin_control', (jsonb_build_object('kind', kind, 'id', id) || extra)::text);
$$;

CREATE OR REPLACE FUNCTION sequin._catalog(fn text, provider_name text)
RETURNS sequin.providers_catalog LANGUAGE plpgsql STABLE AS $$
DECLARE
    c sequin.providers_catalog;
BEGIN
    IF provider_name IS NULL OR provider_name = '' THEN
        PERFORM sequin._raise(fn, 'provider', 'must not be null or empty');
    END IF;
    SELECT * INTO c FROM sequin.providers_catalog p WHERE p.provider = provider_name;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM sequin.providers_catalog) THEN
            PERFORM sequin._raise(fn, 'provider', format('unknown provider %L: the provider catalogue is empty', provider_name),
                'start the sidecar once (sequin run) so it can publish its providers');
        END IF;
        PERFORM sequin._raise(fn, 'provider', format('unknown provider %L', provider_name),
            'known providers: ' || (SELECT string_agg(p.provider, ', ' ORDER BY p.provider) FROM sequin.providers_catalog p));
    END IF;
    RETURN c;
END $$;

CREATE OR REPLACE FUNCTION sequin._require_object(fn text, arg text, value jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value IS NULL THEN
        RETURN '{}'::jsonb;
    END IF;
    IF jsonb_typeof(value) <> 'object' THEN
        PERFORM sequin._raise(fn, arg, format('must be a JSON object, got %s', jsonb_typeof(value)));
    END IF;
    RETURN value;
END $$;

-- Checks a rate limit {"allowed_requests": n, "interval": ms, "max_concurrent_requests": n}.
CREATE OR REPLACE FUNCTION sequin._validate_rate_limit(fn text, rl jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k text;
BEGIN
    PERFORM sequin._require_object(fn, 'rate_limit', rl);
    FOR k IN SELECT jsonb_object_keys(rl) LOOP
        IF k NOT IN ('allowed_requests', 'interval', 'max_concurrent_requests') THEN
            PERFORM sequin._raise(fn, 'rate_limit', format('unknown key %L', k),
                'accepted keys: allowed_requests, interval (milliseconds), max_concurrent_requests');
        END IF;
    END LOOP;
    IF jsonb_typeof(rl->'allowed_requests') IS DISTINCT FROM 'number' OR (rl->>'allowed_requests')::numeric <= 0
       OR (rl->>'allowed_requests')::numeric > 1000000000
       OR (rl->>'allowed_requests')::numeric <> trunc((rl->>'allowed_requests')::numeric) THEN
        PERFORM sequin._raise(fn, 'rate_limit', 'allowed_requests must be a positive integer (at most 1000000000)');
    END IF;
    IF jsonb_typeof(rl->'interval') IS DISTINCT FROM 'number' OR (rl->>'interval')::numeric <= 0
       OR (rl->>'interval')::numeric > 86400000
       OR (rl->>'interval')::numeric <> trunc((rl->>'interval')::numeric) THEN
        PERFORM sequin._raise(fn, 'rate_limit', 'interval must be a positive integer number of milliseconds (at most one day, 86400000)');
    END IF;
    IF rl ? 'max_concurrent_requests' AND (jsonb_typeof(rl->'max_concurrent_requests') <> 'number'
       OR (rl->>'max_concurrent_requests')::numeric < 0 OR (rl->>'max_concurrent_requests')::numeric > 100000
       OR (rl->>'max_concurrent_requests')::numeric <> trunc((rl->>'max_concurrent_requests')::numeric)) THEN
        PERFORM sequin._raise(fn, 'rate_limit', 'max_concurrent_requests must be an integer from 0 (unlimited) to 100000');
    END IF;
    RETURN jsonb_build_object(
        'allowed_requests', (rl->>'allowed_requests')::bigint,
        'interval', (rl->>'interval')::bigint,
        'max_concurrent_requests', coalesce((rl->>'max_concurrent_requests')::bigint, 0));
END $$;

-- Checks collection ids against the catalogue and returns them in "provider:name" form.
CREATE OR REPLACE FUNCTION sequin._validate_collections(fn text, c sequin.providers_catalog, ids text[])
RETURNS text[] LANGUAGE plpgsql STABLE AS $$
DECLARE
    id text;
    full_id text;
    out text[] := '{}';
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        PERFORM sequin._raise(fn, 'collection_ids', 'must name at least one collection',
            'collections of ' || c.provider || ': ' || (SELECT string_agg(e->>'id', ', ') FROM jsonb_array_elements(c.collections) e));
    END IF;
    FOREACH id IN ARRAY ids LOOP
        full_id := CASE WHEN position(':' IN coalesce(id, '')) > 0 THEN id ELSE c.provider || ':' || id END;
        IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(c.collections) e WHERE e->>'id' = full_id) THEN
            -- A provider that discovers collections in the account takes any snake_case name; the
            -- sidecar reports a name the account lacks on the sync's health.
            IF c.dynamic_collections IS NOT NULL AND full_id ~ ('^' || c.provider || ':[a-z][a-z0-9_]*$') THEN
                NULL;
            ELSE
                PERFORM sequin._raise(fn, 'collection_ids', format('unknown collection %L for provider %s', id, c.provider),
                    'collections of ' || c.provider || ': ' || coalesce((SELECT string_agg(e->>'id', ', ') FROM jsonb_array_elements(c.collections) e), 'none declared')
                    || CASE WHEN c.dynamic_collections IS NOT NULL THEN '; also ' || c.dynamic_collections ELSE '' END);
            END IF;
        END IF;
        IF NOT full_id = ANY (out) THEN
            out := out || full_id;
        END IF;
    END LOOP;
    RETURN out;
END $$;

-- Checks credential properties against a kind's declared fields and splits them into public and secret.
CREATE OR REPLACE FUNCTION sequin._validate_properties(fn text, c sequin.providers_catalog, props jsonb, OUT kind text, OUT public jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    k jsonb;
    f jsonb;
    key text;
BEGIN
    IF props IS NULL OR jsonb_typeof(props) <> 'object' THEN
        PERFORM sequin._raise(fn, 'properties', 'must be a JSON object of credential properties');
    END IF;
    kind := coalesce(props->>'kind', c.credential_kinds->0->>'kind');
    SELECT e INTO k FROM jsonb_array_elements(c.credential_kinds) e WHERE e->>'kind' = kind;
    IF k IS NULL THEN
        PERFORM sequin._raise(fn, 'properties', format('unknown credential kind %L for provider %s', kind, c.provider),
            'kinds: ' || (SELECT string_agg(e->>'kind', ', ') FROM jsonb_array_elements(c.credential_kinds) e));
    END IF;
    FOR key IN SELECT jsonb_object_keys(props) LOOP
        -- Every kind may carry the signing secret of the provider's webhooks (sealed like the rest).
        IF key = 'webhook_secret' THEN
            IF jsonb_typeof(props->key) <> 'string' THEN
                PERFORM sequin._raise(fn, 'properties', 'property ''webhook_secret'' must be a string');
            END IF;
            CONTINUE;
        END IF;
        IF key <> 'kind' AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(k->'fields') e WHERE e->>'name' = key) THEN
            PERFORM sequin._raise(fn, 'properties', format('unknown property %L for credential kind %s', key, kind),
                'properties: ' || coalesce((SELECT string_agg(e->>'name', ', ') FROM jsonb_array_elements(k->'fields') e), '(none)'));
        END IF;
    END LOOP;
    public := '{}'::jsonb;
    FOR f IN SELECT * FROM jsonb_array_elements(k->'fields') LOOP
        IF NOT props ? (f->>'name') OR jsonb_typeof(props->(f->>'name')) = 'null' THEN
            IF (f->>'required')::boolean THEN
                PERFORM sequin._raise(fn, 'properties', format('missing required property %L for credential kind %s', f->>'name', kind));
            END IF;
            CONTINUE;
        END IF;
        IF (f->>'type' = 'string' AND jsonb_typeof(props->(f->>'name')) <> 'string')
           OR (f->>'type' = 'boolean' AND jsonb_typeof(props->(f->>'name')) <> 'boolean')
           OR (f->>'type' = 'integer' AND jsonb_typeof(props->(f->>'name')) <> 'number') THEN
            PERFORM sequin._raise(fn, 'properties', format('property %L must be a %s', f->>'name', f->>'type'));
        END IF;
        IF (f->>'type' = 'string' AND (f->>'required')::boolean AND props->>(f->>'name') = '') THEN
            PERFORM sequin._raise(fn, 'properties', format('property %L must not be empty', f->>'name'));
        END IF;
        IF NOT (f->>'secret')::boolean THEN
            public := public || jsonb_build_object(f->>'name', props->(f->>'name'));
        END IF;
    END LOOP;
END $$;
