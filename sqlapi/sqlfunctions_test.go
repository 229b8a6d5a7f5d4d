package sqlapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/testprovider"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type testBundle struct {
	db   *pgtest.DB
	reg  *providers.Registry
	cred string
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := pgtest.NewDB(t)
	reg, err := providers.NewRegistry(testprovider.New())
	require.NoError(t, err)
	require.NoError(t, sqlapi.PublishCatalog(context.Background(), db.Pool, reg))
	var cred string
	require.NoError(t, db.Pool.QueryRow(context.Background(),
		`SELECT sequin.create_credential('acme', '{"api_key": "ak_secret_123", "region": "eu"}')::text`).Scan(&cred))
	return &testBundle{db: db, reg: reg, cred: cred}
}

// sqlError runs a statement that must fail and returns the Postgres error.
func sqlError(t *testing.T, db *pgtest.DB, sql string, args ...any) *pgconn.PgError {
	t.Helper()
	_, err := db.Pool.Exec(context.Background(), sql, args...)
	require.Error(t, err, sql)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "22023", pgErr.Code, "invalid_parameter_value: %s", pgErr.Message)
	return pgErr
}

func TestCreateCredentialArgumentErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		name, sql, wantMsg string
	}{
		{"unknown provider", `SELECT sequin.create_credential('nope', '{}')`, `argument "provider": unknown provider 'nope'`},
		{"null provider", `SELECT sequin.create_credential(NULL, '{}')`, `argument "provider": must not be null`},
		{"properties not an object", `SELECT sequin.create_credential('acme', '[1]')`, `argument "properties": must be a JSON object`},
		{"missing required", `SELECT sequin.create_credential('acme', '{"region": "eu"}')`, `argument "properties": missing required property 'api_key'`},
		{"unknown property", `SELECT sequin.create_credential('acme', '{"api_key": "x", "colour": "red"}')`, `argument "properties": unknown property 'colour'`},
		{"wrong type", `SELECT sequin.create_credential('acme', '{"api_key": 42}')`, `argument "properties": property 'api_key' must be a string`},
		{"empty secret", `SELECT sequin.create_credential('acme', '{"api_key": ""}')`, `property 'api_key' must not be empty`},
		{"unknown kind", `SELECT sequin.create_credential('acme', '{"kind": "acme_magic", "api_key": "x"}')`, `argument "properties": unknown credential kind 'acme_magic'`},
		{"metadata not an object", `SELECT sequin.create_credential('acme', '{"api_key": "x"}', '"hi"')`, `argument "metadata": must be a JSON object`},
	}
	for _, tc := range cases {
		e := sqlError(t, b.db, tc.sql)
		require.Contains(t, e.Message, tc.wantMsg, tc.name)
		require.Contains(t, e.Message, "sequin.create_credential", tc.name)
	}
	e := sqlError(t, b.db, `SELECT sequin.create_credential('nope', '{}')`)
	require.Contains(t, e.Hint, "acme", "the hint lists known providers")
}

func TestCreateSyncArgumentErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var other string
	require.NoError(t, b.db.Pool.QueryRow(context.Background(),
		`SELECT sequin.create_credential('acme', '{"kind": "acme_oauth2", "refresh_token": "rt", "account_id": "a1"}')::text`).Scan(&other))
	_, err := b.db.Pool.Exec(context.Background(), `SELECT sequin.create_sync('acme', 'taken', ARRAY['acme:widget'], $1)`, b.cred)
	require.NoError(t, err)

	cases := []struct {
		name, sql, wantMsg string
		args               []any
	}{
		{"unknown provider", `SELECT sequin.create_sync('nope', 'x', ARRAY['nope:a'], $1)`, `argument "provider": unknown provider`, []any{b.cred}},
		{"empty name", `SELECT sequin.create_sync('acme', ' ', ARRAY['acme:widget'], $1)`, `argument "name": must not be null or empty`, []any{b.cred}},
		{"duplicate name", `SELECT sequin.create_sync('acme', 'taken', ARRAY['acme:widget'], $1, options => '{"schema": "acme2"}')`, `argument "name": a sync named 'taken' already exists`, []any{b.cred}},
		{"unknown collection", `SELECT sequin.create_sync('acme', 'x', ARRAY['acme:doohickey'], $1, options => '{"schema": "x"}')`, `argument "collection_ids": unknown collection 'acme:doohickey'`, []any{b.cred}},
		{"no collections", `SELECT sequin.create_sync('acme', 'x', ARRAY[]::text[], $1)`, `argument "collection_ids": must name at least one`, []any{b.cred}},
		{"missing credential", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], NULL)`, `argument "credential_id": must not be null`, nil},
		{"unknown credential", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], '00000000-0000-0000-0000-000000000000')`, `argument "credential_id": no credential`, nil},
		{"rate limit not object", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '5', options => '{"schema": "x"}')`, `argument "rate_limit": must be a JSON object`, []any{b.cred}},
		{"rate limit zero", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '{"allowed_requests": 0, "interval": 1000}', options => '{"schema": "x"}')`, `argument "rate_limit": allowed_requests must be a positive integer`, []any{b.cred}},
		{"rate limit no interval", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '{"allowed_requests": 10}', options => '{"schema": "x"}')`, `argument "rate_limit": interval must be a positive integer`, []any{b.cred}},
		{"rate limit fraction", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '{"allowed_requests": 1.5, "interval": 1000}', options => '{"schema": "x"}')`, `allowed_requests must be a positive integer`, []any{b.cred}},
		{"rate limit unknown key", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '{"allowed_requests": 1, "interval": 1000, "burst": 3}', options => '{"schema": "x"}')`, `argument "rate_limit": unknown key 'burst'`, []any{b.cred}},
		{"rate limit negative concurrency", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '{"allowed_requests": 1, "interval": 1000, "max_concurrent_requests": -1}', options => '{"schema": "x"}')`, `max_concurrent_requests must be an integer from 0 (unlimited)`, []any{b.cred}},
		{"schema taken", `SELECT sequin.create_sync('acme', 'second', ARRAY['widget'], $1)`, `argument "options": schema 'acme' is used by another sync`, []any{b.cred}},
		{"bad schema", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, options => '{"schema": "Robert''); DROP"}')`, `argument "options": schema`, []any{b.cred}},
		{"reserved schema", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, options => '{"schema": "sequin"}')`, `argument "options": schema 'sequin'`, []any{b.cred}},
		{"bad base url", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, options => '{"schema": "x", "base_url": "ftp://x"}')`, `argument "options": base_url must be an http(s) URL`, []any{b.cred}},
		{"bad poll interval", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, options => '{"schema": "x", "poll_interval_ms": 5}')`, `argument "options": poll_interval_ms`, []any{b.cred}},
		{"metadata", `SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, metadata => '[]', options => '{"schema": "x"}')`, `argument "metadata": must be a JSON object`, []any{b.cred}},
	}
	for _, tc := range cases {
		e := sqlError(t, b.db, tc.sql, tc.args...)
		require.Contains(t, e.Message, tc.wantMsg, tc.name)
	}

	var count int
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.syncs`).Scan(&count))
	require.Equal(t, 1, count, "no failed call left a row behind")
}

func TestCreateSyncWritesRowsAndNotifies(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	listener, err := pgx.Connect(ctx, b.db.URL)
	require.NoError(t, err)
	defer listener.Close(ctx)
	_, err = listener.Exec(ctx, "LISTEN sequin_control")
	require.NoError(t, err)

	var id string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'main', ARRAY['widget', 'acme:gadget', 'widget'], $1,
		metadata => '{"customer": "c1"}')::text`, b.cred).Scan(&id))

	var schema string
	var rl map[string]int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT schema_name, rate_limit FROM sequin.syncs WHERE id = $1`, id).Scan(&schema, &rl))
	require.Equal(t, "acme", schema)
	require.Equal(t, map[string]int{"allowed_requests": 50, "interval": 1000, "max_concurrent_requests": 0}, rl, "the provider's default budget")

	rows, err := b.db.Pool.Query(ctx, `SELECT collection_id, table_name, state FROM sequin.sync_collections WHERE sync_id = $1 ORDER BY 1`, id)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowToMap)
	require.NoError(t, err)
	require.Equal(t, []map[string]any{
		{"collection_id": "acme:gadget", "table_name": "gadget", "state": "pending"},
		{"collection_id": "acme:widget", "table_name": "widget", "state": "pending"},
	}, got, "bare names are qualified and duplicates dropped")

	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := listener.WaitForNotification(wctx)
	require.NoError(t, err)
	var payload map[string]string
	require.NoError(t, json.Unmarshal([]byte(n.Payload), &payload))
	require.Equal(t, map[string]string{"kind": "sync_created", "id": id}, payload)
}

func TestTestModeCredentialGetsTestBudget(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var rl map[string]int
	var id string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 't', ARRAY['widget'],
		sequin.create_credential('acme', '{"api_key": "k", "test": true}'))::text`).Scan(&id))
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT rate_limit FROM sequin.syncs WHERE id = $1`, id).Scan(&rl))
	require.Equal(t, map[string]int{"allowed_requests": 5, "interval": 1000, "max_concurrent_requests": 2}, rl)

	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'custom', ARRAY['widget'], $1,
		'{"allowed_requests": 7, "interval": 250}', options => '{"schema": "acme_custom"}')::text`, b.cred).Scan(&id))
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT rate_limit FROM sequin.syncs WHERE id = $1`, id).Scan(&rl))
	require.Equal(t, map[string]int{"allowed_requests": 7, "interval": 250, "max_concurrent_requests": 0}, rl)
}

func TestSecretsAreSealedAndNeverShown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	oldKey := secret.GenerateKey()
	keys, err := secret.NewKeyring(oldKey)
	require.NoError(t, err)
	creds := &sqlapi.Credentials{Pool: b.db.Pool, Keys: keys}

	var viewText string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT row_to_json(v)::text FROM sequin.credentials_view v WHERE id = $1`, b.cred).Scan(&viewText))
	require.NotContains(t, viewText, "ak_secret_123", "the view never shows secrets, even before sealing")
	require.Contains(t, viewText, `"region": "eu"`, "public properties are shown")

	n, err := creds.SealPending(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	var raw string
	var pending *string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT encode(secret_ciphertext, 'escape'), pending_properties::text FROM sequin.credentials WHERE id = $1`, b.cred).Scan(&raw, &pending))
	require.Nil(t, pending, "plaintext is gone once sealed")
	require.NotContains(t, raw, "ak_secret_123", "ciphertext in the table")

	row, err := creds.Load(ctx, b.db.Pool, b.cred)
	require.NoError(t, err)
	require.Equal(t, "ak_secret_123", row.String("api_key"), "round trip in Go")
	require.Equal(t, "acme_key", row.Kind)

	// A rotated key through SQL is merged in and sealed again; health is reset.
	_, err = b.db.Pool.Exec(ctx, `UPDATE sequin.credentials SET health = 'customer_intervention' WHERE id = $1`, b.cred)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.update_credential($1, '{"api_key": "ak_new_456"}')`, b.cred)
	require.NoError(t, err)
	_, err = creds.SealPending(ctx)
	require.NoError(t, err)
	row, err = creds.Load(ctx, b.db.Pool, b.cred)
	require.NoError(t, err)
	require.Equal(t, "ak_new_456", row.String("api_key"))
	require.Equal(t, "eu", row.String("region"))
	require.Equal(t, sqlapi.Healthy, row.Health)

	// Token refresh persistence.
	require.NoError(t, creds.SaveCredentialProperties(ctx, b.cred, map[string]any{"access_token": "at_1"}))
	row, err = creds.Load(ctx, b.db.Pool, b.cred)
	require.NoError(t, err)
	require.Equal(t, "at_1", row.String("access_token"))
	require.Equal(t, "ak_new_456", row.String("api_key"))

	// Key rotation: reseal under a new key; afterwards the new key alone opens it.
	newKey := secret.GenerateKey()
	rotating, err := secret.NewKeyring(newKey, oldKey)
	require.NoError(t, err)
	n, err = (&sqlapi.Credentials{Pool: b.db.Pool, Keys: rotating}).Reseal(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	onlyNew, err := secret.NewKeyring(newKey)
	require.NoError(t, err)
	row, err = (&sqlapi.Credentials{Pool: b.db.Pool, Keys: onlyNew}).Load(ctx, b.db.Pool, b.cred)
	require.NoError(t, err)
	require.Equal(t, "ak_new_456", row.String("api_key"))
	_, err = creds.Load(ctx, b.db.Pool, b.cred)
	require.ErrorIs(t, err, secret.ErrNoKey, "the retired key no longer opens it")

	e := sqlError(t, b.db, `SELECT sequin.update_credential($1, '{"kind": "acme_oauth2"}')`, b.cred)
	require.Contains(t, e.Message, `argument "properties": the credential kind cannot change`)
}

func TestSyncLifecycleFunctions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var id string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'life', ARRAY['widget'], $1)::text`, b.cred).Scan(&id))

	_, err := b.db.Pool.Exec(ctx, `SELECT sequin.pause_sync($1)`, id)
	require.NoError(t, err)
	var status string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT status FROM sequin.syncs WHERE id = $1`, id).Scan(&status))
	require.Equal(t, "paused", status)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.resume_sync($1)`, id)
	require.NoError(t, err)
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT status FROM sequin.syncs WHERE id = $1`, id).Scan(&status))
	require.Equal(t, "active", status)

	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.add_collections($1, ARRAY['gadget'])`, id)
	require.NoError(t, err)
	e := sqlError(t, b.db, `SELECT sequin.add_collections($1, ARRAY['sprocket'])`, id)
	require.Contains(t, e.Message, `sequin.add_collections: argument "collection_ids": unknown collection 'sprocket'`)

	_, err = b.db.Pool.Exec(ctx, `UPDATE sequin.sync_collections SET state = 'live', backfill_cursor = 'x' WHERE sync_id = $1`, id)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.resync($1, 'widget')`, id)
	require.NoError(t, err)
	var state string
	var gen int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT state, generation FROM sequin.sync_collections WHERE sync_id = $1 AND collection_id = 'acme:widget'`, id).Scan(&state, &gen))
	require.Equal(t, "pending", state)
	require.Equal(t, 2, gen)
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT state FROM sequin.sync_collections WHERE sync_id = $1 AND collection_id = 'acme:gadget'`, id).Scan(&state))
	require.Equal(t, "live", state, "resync of one collection leaves the others alone")
	e = sqlError(t, b.db, `SELECT sequin.resync($1, 'gizmo')`, id)
	require.Contains(t, e.Message, `argument "collection_id"`)

	e = sqlError(t, b.db, `SELECT sequin.drop_credential($1)`, b.cred)
	require.Contains(t, e.Message, "used by syncs")

	// drop_sync with tables: create a table as the engine would, then drop.
	_, err = b.db.Pool.Exec(ctx, `CREATE SCHEMA acme; CREATE TABLE acme.widget (id text primary key, _data jsonb, _sync_id uuid, _upstream_updated_at timestamptz, _synced_at timestamptz); SELECT sequin._rebuild_records_view()`)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.drop_sync($1, drop_tables => true)`, id)
	require.NoError(t, err)
	var exists bool
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT to_regclass('acme.widget') IS NOT NULL`).Scan(&exists))
	require.False(t, exists)
	e = sqlError(t, b.db, `SELECT sequin.pause_sync($1)`, id)
	require.Contains(t, e.Message, `sequin.pause_sync: argument "id": no sync`)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.drop_credential($1)`, b.cred)
	require.NoError(t, err)
}
