-- Mutations: a row in sequin.mutations is a write to apply upstream. The trigger validates it and
-- enqueues its River job in the same transaction, so a committed mutation is never lost.

CREATE OR REPLACE FUNCTION sequin._mutation_before_insert()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s sequin.syncs;
    coll jsonb;
    full_id text;
BEGIN
    IF NEW.sync_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'sequin.mutations: sync_id must not be null';
    END IF;
    SELECT * INTO s FROM sequin.syncs WHERE id = NEW.sync_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = format('sequin.mutations: sync_id: no sync %s', NEW.sync_id);
    END IF;
    IF NEW.collection_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'sequin.mutations: collection_id must not be null';
    END IF;
    full_id := CASE WHEN position(':' IN NEW.collection_id) > 0 THEN NEW.collection_id ELSE s.provider || ':' || NEW.collection_id END;
    IF NOT EXISTS (SELECT 1 FROM sequin.sync_collections sc WHERE sc.sync_id = s.id AND sc.collection_id = full_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('sequin.mutations: collection_id: sync %s does not sync %L', s.name, NEW.collection_id),
            HINT = 'add it first with sequin.add_collections(...)';
    END IF;
    NEW.collection_id := full_id;
    SELECT e INTO coll FROM sequin.providers_catalog p, jsonb_array_elements(p.collections) e
     WHERE p.provider = s.provider AND e->>'id' = full_id;
    IF NEW.kind IS NULL OR NEW.kind NOT IN ('create', 'update', 'delete') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('sequin.mutations: kind must be create, update or delete, not %L', NEW.kind);
    END IF;
    -- A discovered collection (coll IS NULL, dynamic provider) is checked by the worker, which knows it.
    IF (coll IS NULL AND NOT EXISTS (SELECT 1 FROM sequin.providers_catalog p
                                      WHERE p.provider = s.provider AND p.dynamic_collections IS NOT NULL))
       OR NOT (coll->'mutation_kinds') ? NEW.kind THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('sequin.mutations: kind: %s does not support %s', full_id, NEW.kind),
            HINT = 'supported: ' || coalesce((SELECT string_agg(k, ', ') FROM jsonb_array_elements_text(coll->'mutation_kinds') k), 'none');
    END IF;
    IF NEW.kind IN ('update', 'delete') AND coalesce(NEW.upstream_id, '') = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('sequin.mutations: upstream_id is required for %s', NEW.kind);
    END IF;
    IF NEW.kind = 'create' AND NEW.upstream_id IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'sequin.mutations: upstream_id must be null for create (the API assigns it)';
    END IF;
    NEW.data := coalesce(NEW.data, '{}'::jsonb);
    IF jsonb_typeof(NEW.data) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'sequin.mutations: data must be a JSON object';
    END IF;
    NEW.status := 'pending';
    NEW.attempts := 0;
    NEW.error := NULL;
    NEW.result := NULL;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION sequin._mutation_after_insert()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sequin.river_job (args, kind, max_attempts, queue, state, scheduled_at)
    VALUES (jsonb_build_object('mutation_id', NEW.id), 'sequin.mutate', 10, 'default', 'available', now());
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS mutations_validate ON sequin.mutations;
CREATE TRIGGER mutations_validate BEFORE INSERT ON sequin.mutations
    FOR EACH ROW EXECUTE FUNCTION sequin._mutation_before_insert();
DROP TRIGGER IF EXISTS mutations_enqueue ON sequin.mutations;
CREATE TRIGGER mutations_enqueue AFTER INSERT ON sequin.mutations
    FOR EACH ROW EXECUTE FUNCTION sequin._mutation_after_insert();

-- Convenience: insert a mutation and return its id.
CREATE OR REPLACE FUNCTION sequin.mutate(sync_id uuid, collection_id text, kind text, data jsonb DEFAULT '{}', upstream_id text DEFAULT NULL)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    new_id uuid;
BEGIN
    INSERT INTO sequin.mutations (sync_id, collection_id, kind, data, upstream_id)
    VALUES (mutate.sync_id, mutate.collection_id, mutate.kind, mutate.data, mutate.upstream_id)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- Waits up to timeout_ms for a mutation to finish and returns its row (finished or not). The
-- mutation must have been committed: the sidecar cannot see it before.
CREATE OR REPLACE FUNCTION sequin.await_mutation(id uuid, timeout_ms integer DEFAULT 10000)
RETURNS sequin.mutations LANGUAGE plpgsql AS $$
DECLARE
    m sequin.mutations;
    deadline timestamptz := clock_timestamp() + make_interval(secs => greatest(timeout_ms, 0) / 1000.0);
BEGIN
    SELECT * INTO m FROM sequin.mutations x WHERE x.id = await_mutation.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('sequin.await_mutation: argument "id": no mutation %s', await_mutation.id);
    END IF;
    IF (SELECT xmin::text::bigint FROM sequin.mutations x WHERE x.id = await_mutation.id) = (txid_current() % 4294967296) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'sequin.await_mutation: the mutation was inserted in this transaction; commit it first',
            HINT = 'SELECT sequin.mutate(...) in one statement, then SELECT * FROM sequin.await_mutation(id) in the next';
    END IF;
    LOOP
        EXIT WHEN m.status IN ('succeeded', 'failed') OR clock_timestamp() >= deadline;
        PERFORM pg_sleep(0.02);
        SELECT * INTO m FROM sequin.mutations x WHERE x.id = await_mutation.id;
    END LOOP;
    RETURN m;
END $$;
