-- Events helpers, the records view over every synced table, and the status view.

-- The prior values of the top-level fields that differ between old and new (null where a field is new).
CREATE OR REPLACE FUNCTION sequin._previous_data(old jsonb, new jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(k, coalesce(old->k, 'null'::jsonb)), '{}'::jsonb)
      FROM (SELECT jsonb_object_keys(old) AS k UNION SELECT jsonb_object_keys(new)) keys
     WHERE old->k IS DISTINCT FROM new->k;
$$;

-- Rebuilds sequin.records as the union of every synced table that exists, leaving out except_sync.
CREATE OR REPLACE FUNCTION sequin._rebuild_records_view(except_sync uuid DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    parts text;
BEGIN
    PERFORM pg_advisory_xact_lock(x'5e90003'::bigint);
    SELECT string_agg(format(
             'SELECT %L::uuid AS sync_id, %L::text AS collection_id, t.id AS upstream_id, t._upstream_updated_at AS upstream_updated_at, t._data AS data, false AS deleted, t._synced_at AS synced_at FROM %I.%I t',
             sc.sync_id, sc.collection_id, s.schema_name, sc.table_name), E'\nUNION ALL\n' ORDER BY s.name, sc.collection_id)
      INTO parts
      FROM sequin.sync_collections sc JOIN sequin.syncs s ON s.id = sc.sync_id
     WHERE (except_sync IS NULL OR s.id <> except_sync)
       AND to_regclass(format('%I.%I', s.schema_name, sc.table_name)) IS NOT NULL;
    DROP VIEW IF EXISTS sequin.records;
    EXECUTE 'CREATE VIEW sequin.records AS ' || coalesce(parts,
        'SELECT NULL::uuid AS sync_id, NULL::text AS collection_id, NULL::text AS upstream_id, NULL::timestamptz AS upstream_updated_at, NULL::jsonb AS data, false AS deleted, NULL::timestamptz AS synced_at WHERE false');
END $$;

SELECT sequin._rebuild_records_view();

DROP VIEW IF EXISTS sequin.sync_status;
CREATE VIEW sequin.sync_status AS
SELECT s.id AS sync_id,
       s.name AS sync_name,
       s.provider,
       sc.collection_id,
       format('%I.%I', s.schema_name, sc.table_name) AS table_name,
       CASE WHEN s.status = 'paused' THEN 'paused'
            WHEN s.health <> 'healthy' OR sc.consecutive_errors > 0 THEN 'error'
            ELSE sc.state END AS state,
       sc.records_count AS records,
       sc.backfill_pages,
       sc.backfill_records,
       sc.backfill_total,
       CASE WHEN sc.state = 'live' THEN 100.0
            WHEN sc.backfill_total > 0 THEN round(least(100.0, 100.0 * sc.backfill_records / sc.backfill_total), 1)
            END AS backfill_percent,
       sc.backfill_started_at,
       sc.backfill_completed_at,
       sc.last_polled_at,
       sc.last_change_at,
       CASE WHEN sc.state = 'live' AND s.status = 'active' THEN now() - sc.last_polled_at END AS lag,
       (s.rate_limit->>'allowed_requests')::bigint AS rate_limit_allowed,
       (s.rate_limit->>'interval')::bigint AS rate_limit_interval_ms,
       s.health,
       coalesce(s.health_message, sc.last_error) AS health_message,
       sc.last_error,
       sc.last_error_at
  FROM sequin.syncs s
  JOIN sequin.sync_collections sc ON sc.sync_id = s.id;
