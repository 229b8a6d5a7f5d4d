package console

// The SQL of the console's data routes. Item shapes match the management API's, so the page renders
// a mutation or a record the same way whichever route it came from.

// mutationsSQL lists mutations newest first. $1 sync id, $2 status, $3/$4 the (inserted_at, id) of
// the last item of the previous page, $5 the row limit.
const mutationsSQL = `
SELECT m.inserted_at, m.id::text, jsonb_build_object(
    'id', m.id, 'sync_id', m.sync_id, 'collection_id', m.collection_id, 'kind', m.kind, 'upstream_id', m.upstream_id,
    'data', m.data, 'status', m.status, 'result', m.result, 'error', m.error, 'error_code', m.error_code,
    'attempts', m.attempts, 'inserted_at', m.inserted_at, 'updated_at', m.updated_at, 'completed_at', m.completed_at)
  FROM sequin.mutations m
 WHERE ($1::uuid IS NULL OR m.sync_id = $1::uuid)
   AND ($2::text IS NULL OR m.status = $2::text)
   AND ($3::timestamptz IS NULL OR (m.inserted_at, m.id) < ($3::timestamptz, $4::uuid))
 ORDER BY m.inserted_at DESC, m.id DESC
 LIMIT $5`

// consumerStatusExistsSQL tells whether the database has the consumer counters view; databases
// whose definitions predate streaming out do not.
const consumerStatusExistsSQL = `SELECT to_regclass('sequin.consumer_status') IS NOT NULL AND to_regclass('sequin.consumer_dead_letters') IS NOT NULL`

// consumersSQL lists every consumer with its message counters.
const consumersSQL = `
SELECT jsonb_build_object(
    'id', c.id, 'name', c.name, 'kind', c.kind, 'status', c.status, 'start_at', c.start_at,
    'sync_ids', c.sync_ids, 'collection_ids', c.collection_ids, 'max_deliver', c.max_deliver,
    'health', c.health, 'health_message', c.health_message, 'inserted_at', c.inserted_at,
    'num_pending', s.num_pending, 'num_ack_pending', s.num_ack_pending, 'num_dead', s.num_dead,
    'oldest_pending_at', s.oldest_pending_at)
  FROM sequin.consumers c JOIN sequin.consumer_status s ON s.consumer_id = c.id
 ORDER BY c.name
 LIMIT $1`

// consumersWithoutCountersSQL lists every consumer where the counters view does not exist.
const consumersWithoutCountersSQL = `
SELECT jsonb_build_object(
    'id', c.id, 'name', c.name, 'kind', c.kind, 'status', c.status, 'start_at', c.start_at,
    'sync_ids', c.sync_ids, 'collection_ids', c.collection_ids, 'max_deliver', c.max_deliver,
    'health', c.health, 'health_message', c.health_message, 'inserted_at', c.inserted_at,
    'num_pending', NULL, 'num_ack_pending', NULL, 'num_dead', NULL, 'oldest_pending_at', NULL)
  FROM sequin.consumers c
 ORDER BY c.name
 LIMIT $1`

// consumerExistsSQL tells whether a consumer exists.
const consumerExistsSQL = `SELECT EXISTS (SELECT 1 FROM sequin.consumers WHERE id = $1::uuid)`

// deadLettersSQL lists a consumer's dead-lettered messages, oldest first.
const deadLettersSQL = `
SELECT jsonb_build_object(
    'seq', d.seq, 'record_key', d.record_key, 'sync_id', d.sync_id, 'deliver_count', d.deliver_count,
    'last_error', d.last_error, 'last_delivered_at', d.last_delivered_at, 'inserted_at', d.inserted_at,
    'message', d.message)
  FROM sequin.consumer_dead_letters d
 WHERE d.consumer_id = $1::uuid
 ORDER BY d.seq
 LIMIT $2`

// lastEventSQL is the seq of the newest event, where a live tail starts.
const lastEventSQL = `SELECT coalesce(max(seq), 0) FROM sequin.events`

// recordSQL reads one record of sequin.records. The filters on constants let the planner skip the
// view's other tables and use the primary key of the one that remains.
const recordSQL = `
SELECT jsonb_build_object(
    'sync_id', r.sync_id, 'collection_id', r.collection_id, 'upstream_id', r.upstream_id,
    'upstream_updated_at', r.upstream_updated_at, 'data', r.data, 'deleted', r.deleted, 'synced_at', r.synced_at)
  FROM sequin.records r
 WHERE r.sync_id = $1::uuid AND r.collection_id = $2 AND r.upstream_id = $3`

// syncProviderSQL reads the provider of a sync, to qualify a bare collection name.
const syncProviderSQL = `SELECT provider FROM sequin.syncs WHERE id = $1::uuid`

// rateLimitsSQL reports, per credential, how far ahead request slots are reserved (a backlog means
// demand meets the budget) and how many requests hold a concurrency lease right now.
const rateLimitsSQL = `
SELECT jsonb_build_object(
    'credential_id', c.id,
    'reserved_ahead_ms', greatest(0, round(extract(epoch FROM rl.next_slot_at - clock_timestamp()) * 1000))::bigint,
    'slot_spacing_us', rl.emission_us,
    'in_flight', (SELECT count(*) FROM sequin.rate_limit_leases l WHERE l.credential_id = c.id AND l.expires_at > now()),
    'updated_at', rl.updated_at)
  FROM sequin.credentials c
  LEFT JOIN sequin.rate_limits rl ON rl.credential_id = c.id
 ORDER BY c.id`
