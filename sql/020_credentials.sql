-- Credentials. Properties written here are sealed by the sidecar moments later (AES-256-GCM with a key
-- only the sidecar holds); until then they wait in pending_properties, which no view shows.

CREATE OR REPLACE FUNCTION sequin.create_credential(provider text, properties jsonb, metadata jsonb DEFAULT '{}')
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    c sequin.providers_catalog;
    v record;
    new_id uuid;
BEGIN
    c := sequin._catalog('create_credential', provider);
    v := sequin._validate_properties('create_credential', c, properties);
    INSERT INTO sequin.credentials (provider, kind, public_properties, pending_properties, metadata)
    VALUES (c.provider, v.kind, v.public, properties - 'kind',
            sequin._require_object('create_credential', 'metadata', metadata))
    RETURNING id INTO new_id;
    PERFORM sequin._notify('credential_created', new_id);
    RETURN new_id;
END $$;

-- Replaces the given properties of a credential (e.g. a rotated key) and clears its health, so syncs
-- stopped by a bad credential try again.
CREATE OR REPLACE FUNCTION sequin.update_credential(id uuid, properties jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cred sequin.credentials;
    c sequin.providers_catalog;
    f jsonb;
    key text;
    k jsonb;
BEGIN
    SELECT * INTO cred FROM sequin.credentials cr WHERE cr.id = update_credential.id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM sequin._raise('update_credential', 'id', format('no credential %s', update_credential.id));
    END IF;
    IF properties IS NULL OR jsonb_typeof(properties) <> 'object' OR properties = '{}'::jsonb THEN
        PERFORM sequin._raise('update_credential', 'properties', 'must be a non-empty JSON object');
    END IF;
    IF properties ? 'kind' AND properties->>'kind' <> cred.kind THEN
        PERFORM sequin._raise('update_credential', 'properties', 'the credential kind cannot change; create a new credential');
    END IF;
    c := sequin._catalog('update_credential', cred.provider);
    SELECT e INTO k FROM jsonb_array_elements(c.credential_kinds) e WHERE e->>'kind' = cred.kind;
    FOR key IN SELECT jsonb_object_keys(properties - 'kind' - 'webhook_secret') LOOP
        SELECT e INTO f FROM jsonb_array_elements(k->'fields') e WHERE e->>'name' = key;
        IF f IS NULL THEN
            PERFORM sequin._raise('update_credential', 'properties', format('unknown property %L for credential kind %s', key, cred.kind));
        END IF;
        IF NOT (f->>'secret')::boolean THEN
            cred.public_properties := cred.public_properties || jsonb_build_object(key, properties->key);
        END IF;
    END LOOP;
    UPDATE sequin.credentials cr
       SET pending_properties = coalesce(cr.pending_properties, '{}'::jsonb) || (properties - 'kind'),
           public_properties = cred.public_properties,
           health = 'healthy', health_message = NULL, updated_at = now()
     WHERE cr.id = cred.id;
    UPDATE sequin.syncs s SET health = 'healthy', health_message = NULL, updated_at = now()
     WHERE s.credential_id = cred.id AND s.health = 'customer_intervention';
    PERFORM sequin._notify('credential_updated', cred.id);
END $$;

CREATE OR REPLACE FUNCTION sequin.drop_credential(id uuid)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM sequin.syncs s WHERE s.credential_id = drop_credential.id) THEN
        PERFORM sequin._raise('drop_credential', 'id', 'the credential is used by syncs; drop them first',
            'syncs: ' || (SELECT string_agg(s.name, ', ') FROM sequin.syncs s WHERE s.credential_id = drop_credential.id));
    END IF;
    DELETE FROM sequin.credentials cr WHERE cr.id = drop_credential.id;
    IF NOT FOUND THEN
        PERFORM sequin._raise('drop_credential', 'id', format('no credential %s', drop_credential.id));
    END IF;
END $$;

DROP VIEW IF EXISTS sequin.credentials_view;
CREATE VIEW sequin.credentials_view AS
SELECT id, provider, kind, public_properties AS properties, metadata, health, health_message,
       secret_ciphertext IS NOT NULL AND pending_properties IS NULL AS sealed,
       inserted_at, updated_at
  FROM sequin.credentials;
