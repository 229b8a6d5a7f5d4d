-- The sequin management schema: catalogue, credentials, syncs, events, mutations, consumers, tokens.

CREATE TABLE sequin.providers_catalog (
    provider            text PRIMARY KEY,
    display_name        text NOT NULL,
    default_base_url    text NOT NULL,
    credential_kinds    jsonb NOT NULL,
    collections         jsonb NOT NULL,
    default_rate_limit  jsonb NOT NULL,
    test_rate_limit     jsonb,
    refreshed_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sequin.credentials (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider            text NOT NULL,
    kind                text NOT NULL,
    -- Non-secret properties (account ids, instance URLs, flags) in the clear.
    public_properties   jsonb NOT NULL DEFAULT '{}',
    -- All properties, AES-256-GCM sealed by the sidecar: nonce || ciphertext.
    secret_ciphertext   bytea,
    secret_key_id       text,
    -- Properties written through SQL wait here until the sidecar seals them (within moments).
    pending_properties  jsonb,
    metadata            jsonb NOT NULL DEFAULT '{}',
    health              text NOT NULL DEFAULT 'healthy'
                        CHECK (health IN ('healthy', 'customer_intervention', 'sequin_intervention')),
    health_message      text,
    inserted_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (secret_ciphertext IS NOT NULL OR pending_properties IS NOT NULL)
);

CREATE TABLE sequin.syncs (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider            text NOT NULL,
    name                text NOT NULL UNIQUE,
    credential_id       uuid NOT NULL REFERENCES sequin.credentials (id),
    schema_name         text NOT NULL,
    rate_limit          jsonb NOT NULL,
    metadata            jsonb NOT NULL DEFAULT '{}',
    options             jsonb NOT NULL DEFAULT '{}',
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    health              text NOT NULL DEFAULT 'healthy'
                        CHECK (health IN ('healthy', 'customer_intervention', 'sequin_intervention')),
    health_message      text,
    inserted_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX syncs_schema_name_idx ON sequin.syncs (schema_name);
CREATE INDEX syncs_credential_id_idx ON sequin.syncs (credential_id);

CREATE TABLE sequin.sync_collections (
    sync_id                 uuid NOT NULL REFERENCES sequin.syncs (id) ON DELETE CASCADE,
    collection_id           text NOT NULL,
    table_name              text NOT NULL,
    -- pending: table not created yet; backfilling; live: polling for changes.
    state                   text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'backfilling', 'live')),
    generation              integer NOT NULL DEFAULT 1,
    backfill_cursor         text,
    backfill_pages          bigint NOT NULL DEFAULT 0,
    backfill_records        bigint NOT NULL DEFAULT 0,
    backfill_total          bigint,
    backfill_started_at     timestamptz,
    backfill_completed_at   timestamptz,
    poll_cursor             text,
    last_polled_at          timestamptz,
    last_change_at          timestamptz,
    last_sweep_at           timestamptz,
    records_count           bigint NOT NULL DEFAULT 0,
    last_error              text,
    last_error_at           timestamptz,
    consecutive_errors      integer NOT NULL DEFAULT 0,
    inserted_at             timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_id, collection_id)
);

-- Ids seen by a re-backfill (resync), so that records no longer upstream can be deleted at its end.
CREATE TABLE sequin.backfill_seen (
    sync_id                 uuid NOT NULL REFERENCES sequin.syncs (id) ON DELETE CASCADE,
    collection_id           text NOT NULL,
    generation              integer NOT NULL,
    id                      text NOT NULL,
    PRIMARY KEY (sync_id, collection_id, generation, id)
);

CREATE TABLE sequin.events (
    seq                     bigserial PRIMARY KEY,
    event_id                uuid NOT NULL DEFAULT gen_random_uuid(),
    sync_id                 uuid NOT NULL,
    collection_id           text NOT NULL,
    upstream_id             text NOT NULL,
    upstream_updated_at     timestamptz,
    event                   text NOT NULL CHECK (event IN ('inserted', 'updated', 'deleted')),
    data                    jsonb NOT NULL,
    previous_data           jsonb,
    event_inserted_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_sync_collection_seq_idx ON sequin.events (sync_id, collection_id, seq);
CREATE INDEX events_inserted_at_idx ON sequin.events (event_inserted_at);
ALTER TABLE sequin.events REPLICA IDENTITY FULL;

CREATE TABLE sequin.mutations (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sync_id             uuid NOT NULL REFERENCES sequin.syncs (id) ON DELETE CASCADE,
    collection_id       text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('create', 'update', 'delete')),
    upstream_id         text,
    data                jsonb NOT NULL DEFAULT '{}',
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    error               text,
    error_code          text,
    result              jsonb,
    attempts            integer NOT NULL DEFAULT 0,
    inserted_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz
);
CREATE INDEX mutations_sync_id_idx ON sequin.mutations (sync_id, inserted_at);

CREATE TABLE sequin.consumers (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL UNIQUE,
    kind                text NOT NULL CHECK (kind IN ('http_pull', 'webhook', 'kafka')),
    config              jsonb NOT NULL DEFAULT '{}',
    sync_ids            uuid[],
    collection_ids      text[],
    start_at            text NOT NULL DEFAULT 'all' CHECK (start_at IN ('all', 'new')),
    ack_wait_ms         integer NOT NULL DEFAULT 60000 CHECK (ack_wait_ms > 0),
    max_deliver         integer NOT NULL DEFAULT -1 CHECK (max_deliver = -1 OR max_deliver > 0),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    health              text NOT NULL DEFAULT 'healthy'
                        CHECK (health IN ('healthy', 'customer_intervention', 'sequin_intervention')),
    health_message      text,
    inserted_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sequin.api_tokens (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash          bytea NOT NULL UNIQUE,
    token_prefix        text NOT NULL,
    inserted_at         timestamptz NOT NULL DEFAULT now(),
    last_used_at        timestamptz,
    revoked_at          timestamptz
);
