-- The quickstart, runnable with psql against `make dev` (whose Stripe emulator listens on
-- 127.0.0.1:12111 and accepts any sk_test_ key):
--
--   psql "$DATABASE_URL" -v base_url=http://127.0.0.1:12111 -f examples/quickstart.sql
--
-- It creates a credential and a sync of customers and invoices, waits for the backfill, reads the
-- data and the event stream, and writes a customer back through a mutation.
\set ON_ERROR_STOP on
\if :{?base_url}
\else
  \set base_url 'http://127.0.0.1:12111'
\endif

-- 1. A credential: validated against the provider's credential kinds, then sealed by the sidecar.
SELECT sequin.create_credential('stripe', '{"secret": "sk_test_quickstart"}') AS credential_id \gset

-- 2. A sync: provider, name, collections, credential; here in its own schema, against the emulator.
SELECT sequin.create_sync('stripe', 'quickstart', ARRAY['stripe:customer', 'stripe:invoice'], :'credential_id',
                          rate_limit => '{"allowed_requests": 50, "interval": 1000}',
                          options    => jsonb_build_object('schema', 'quickstart', 'base_url', :'base_url',
                                                           'poll_interval_ms', 1000)) AS sync_id \gset

-- 3. Wait for the backfill (sequin.sync_status shows progress meanwhile).
SELECT state, count(*) FROM sequin.sync_collections WHERE sync_id = :'sync_id' GROUP BY state;
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        EXIT WHEN NOT EXISTS (SELECT 1 FROM sequin.sync_collections sc JOIN sequin.syncs s ON s.id = sc.sync_id
                              WHERE s.name = 'quickstart' AND sc.state <> 'live');
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
SELECT sync_name, collection_id, state, records, backfill_percent, health
  FROM sequin.sync_status WHERE sync_id = :'sync_id' ORDER BY collection_id;

-- 4. The data, typed, with the whole object in _data; and the event stream.
SELECT count(*) AS customers FROM quickstart.customer;
SELECT id, email, created FROM quickstart.customer ORDER BY created DESC, id LIMIT 3;
SELECT event, count(*) FROM sequin.events WHERE sync_id = :'sync_id' GROUP BY event;

-- 5. Write back: a mutation is applied upstream by the sidecar, then lands in the table as an event.
SELECT sequin.mutate(:'sync_id', 'customer', 'create',
                     '{"email": "ada@example.com", "name": "Ada Lovelace", "metadata": {"source": "quickstart"}}') AS mutation_id \gset
SELECT status, upstream_id, error FROM sequin.await_mutation(:'mutation_id', 15000);
SELECT id, email, metadata->>'source' AS source FROM quickstart.customer WHERE email = 'ada@example.com';
