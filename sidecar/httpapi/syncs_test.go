package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

func TestCreateSync(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	doc := b.openAPI(t)
	cred := b.credential(t)

	r := b.do(t, "POST", "/v1/syncs", map[string]any{
		"provider": "acme", "name": "main", "collection_ids": []string{"widget", "acme:gadget"},
		"credential_id": cred, "metadata": map[string]any{"customer": "c1"},
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	requireShape(t, doc, "Sync", r.body)
	require.Equal(t, "main", r.body["name"])
	require.Equal(t, "acme", r.body["schema"])
	require.Equal(t, "active", r.body["status"])
	require.Equal(t, cred, r.body["credential_id"])
	require.Equal(t, map[string]any{"allowed_requests": 50.0, "interval": 1000.0, "max_concurrent_requests": 0.0}, r.body["rate_limit"])
	cols := r.body["collections"].([]any)
	require.Len(t, cols, 2)
	require.Equal(t, "acme:gadget", cols[0].(map[string]any)["collection_id"])
	require.Equal(t, "pending", cols[0].(map[string]any)["state"])
	require.Equal(t, "acme.gadget", cols[0].(map[string]any)["table_name"])

	// An inline credential is created in the same transaction and sealed.
	r = b.do(t, "POST", "/v1/syncs", map[string]any{
		"provider": "acme", "name": "inline", "collection_ids": []string{"widget"},
		"credential": map[string]any{"properties": map[string]any{"api_key": "ak_inline", "test": true}},
		"rate_limit": map[string]any{"allowed_requests": 7, "interval": 250},
		"options":    map[string]any{"schema": "acme_inline", "poll_interval_ms": 500},
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	require.Equal(t, map[string]any{"allowed_requests": 7.0, "interval": 250.0, "max_concurrent_requests": 0.0}, r.body["rate_limit"])
	require.Equal(t, map[string]any{"schema": "acme_inline", "poll_interval_ms": 500.0}, r.body["options"])
	inlineCred := r.body["credential_id"].(string)
	c := b.do(t, "GET", "/v1/credentials/"+inlineCred, nil)
	require.Equal(t, true, c.body["sealed"])
	row, err := b.creds.Load(ctx, b.db.Pool, inlineCred)
	require.NoError(t, err)
	require.Equal(t, "ak_inline", row.String("api_key"))

	countCredentials := func() int {
		var n int
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.credentials`).Scan(&n))
		return n
	}
	before := countCredentials()

	// SQL validation errors, word for word.
	cases := []struct {
		name string
		body map[string]any
		sql  string
		args []any
	}{
		{"unknown collection", map[string]any{"provider": "acme", "name": "x", "collection_ids": []string{"sprocket"}, "credential_id": cred, "options": map[string]any{"schema": "x"}},
			`SELECT sequin.create_sync('acme', 'x', ARRAY['sprocket'], $1, options => '{"schema": "x"}')`, []any{cred}},
		{"no collections", map[string]any{"provider": "acme", "name": "x", "credential_id": cred},
			`SELECT sequin.create_sync('acme', 'x', NULL, $1)`, []any{cred}},
		{"duplicate name", map[string]any{"provider": "acme", "name": "main", "collection_ids": []string{"widget"}, "credential_id": cred, "options": map[string]any{"schema": "y"}},
			`SELECT sequin.create_sync('acme', 'main', ARRAY['widget'], $1, options => '{"schema": "y"}')`, []any{cred}},
		{"no credential", map[string]any{"provider": "acme", "name": "x", "collection_ids": []string{"widget"}},
			`SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], NULL)`, nil},
		{"unknown credential", map[string]any{"provider": "acme", "name": "x", "collection_ids": []string{"widget"}, "credential_id": "00000000-0000-0000-0000-000000000000"},
			`SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], '00000000-0000-0000-0000-000000000000')`, nil},
		{"bad rate limit", map[string]any{"provider": "acme", "name": "x", "collection_ids": []string{"widget"}, "credential_id": cred, "rate_limit": map[string]any{"allowed_requests": 0, "interval": 1000}},
			`SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '{"allowed_requests": 0, "interval": 1000}')`, []any{cred}},
		{"rate limit not an object", map[string]any{"provider": "acme", "name": "x", "collection_ids": []string{"widget"}, "credential_id": cred, "rate_limit": 5},
			`SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1, '5')`, []any{cred}},
		{"schema taken", map[string]any{"provider": "acme", "name": "x", "collection_ids": []string{"widget"}, "credential_id": cred},
			`SELECT sequin.create_sync('acme', 'x', ARRAY['widget'], $1)`, []any{cred}},
		{"inline credential refused", map[string]any{"provider": "acme", "name": "x", "collection_ids": []string{"widget"}, "credential": map[string]any{"properties": map[string]any{"region": "eu"}}},
			`SELECT sequin.create_credential('acme', '{"region": "eu"}')`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.do(t, "POST", "/v1/syncs", tc.body).requireSQLError(t, b.sqlError(t, tc.sql, tc.args...))
		})
	}

	// A valid inline credential is rolled back with a sync that fails.
	b.do(t, "POST", "/v1/syncs", map[string]any{
		"provider": "acme", "name": "rollback", "collection_ids": []string{"sprocket"},
		"credential": map[string]any{"properties": map[string]any{"api_key": "ak"}},
	}).requireError(t, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument)
	require.Equal(t, before, countCredentials(), "one transaction: no orphaned credential")

	e := b.do(t, "POST", "/v1/syncs", map[string]any{
		"provider": "acme", "name": "x", "collection_ids": []string{"widget"}, "credential_id": cred,
		"credential": map[string]any{"properties": map[string]any{"api_key": "ak"}},
	}).requireError(t, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument)
	require.Equal(t, "credential", e["field"])

	e = b.do(t, "POST", "/v1/syncs", map[string]any{"credential_id": "cred-1"}).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidType)
	require.Equal(t, "credential_id", e["field"])
	e = b.do(t, "POST", "/v1/syncs", map[string]any{"credential": map[string]any{"properties": map[string]any{}, "provider": "acme"}}).
		requireError(t, http.StatusBadRequest, httpapi.CodeUnknownField)
	require.Equal(t, "provider", e["field"], "unknown fields are refused in nested objects too")
}

func TestListAndGetSyncs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := b.openAPI(t)
	a := b.sync(t, "a", "s_a")
	c := b.sync(t, "c", "s_c")

	r := b.do(t, "GET", "/v1/syncs?limit=1", nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "SyncList", r.body)
	require.Equal(t, a, r.data(t)[0].(map[string]any)["id"])
	r = b.do(t, "GET", "/v1/syncs?limit=1&cursor="+r.body["next_cursor"].(string), nil)
	require.Equal(t, c, r.data(t)[0].(map[string]any)["id"])
	require.Nil(t, r.body["next_cursor"])

	// The status rows come from sequin.sync_status.
	b.exec(t, `UPDATE sequin.sync_collections SET state = 'live', records_count = 12, last_polled_at = now() - interval '1500 milliseconds' WHERE sync_id = $1`, a)
	r = b.do(t, "GET", "/v1/syncs/"+a, nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "Sync", r.body)
	col := r.body["collections"].([]any)[0].(map[string]any)
	require.Equal(t, "live", col["state"])
	require.Equal(t, 12.0, col["records"])
	require.Equal(t, 100.0, col["backfill_percent"])
	require.InDelta(t, 1500, col["lag_ms"], 1000)
}

func TestUpdateSync(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.sync(t, "main", "acme")
	b.sync(t, "other", "acme_other")

	listener, err := pgx.Connect(ctx, b.db.URL)
	require.NoError(t, err)
	defer listener.Close(ctx)
	_, err = listener.Exec(ctx, "LISTEN sequin_control")
	require.NoError(t, err)

	r := b.do(t, "PATCH", "/v1/syncs/"+id, map[string]any{
		"name":           "renamed",
		"rate_limit":     map[string]any{"allowed_requests": 9, "interval": 1000, "max_concurrent_requests": 3},
		"metadata":       map[string]any{"owner": "ops"},
		"options":        map[string]any{"poll_interval_ms": 2000, "base_url": "http://127.0.0.1:9"},
		"collection_ids": []string{"gadget"},
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, "renamed", r.body["name"])
	require.Equal(t, map[string]any{"allowed_requests": 9.0, "interval": 1000.0, "max_concurrent_requests": 3.0}, r.body["rate_limit"])
	require.Equal(t, map[string]any{"owner": "ops"}, r.body["metadata"])
	require.Equal(t, map[string]any{"schema": "acme", "poll_interval_ms": 2000.0, "base_url": "http://127.0.0.1:9"}, r.body["options"])
	require.Len(t, r.body["collections"], 2, "gadget added")

	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var kinds []string
	for len(kinds) < 2 {
		n, err := listener.WaitForNotification(wctx)
		require.NoError(t, err)
		var payload map[string]any
		require.NoError(t, json.Unmarshal([]byte(n.Payload), &payload))
		require.Equal(t, id, payload["id"])
		kinds = append(kinds, payload["kind"].(string))
	}
	require.Equal(t, []string{"sync_updated", "collections_added"}, kinds)

	// Options merge; a null removes a key. Metadata is replaced. Fields left out are kept.
	r = b.do(t, "PATCH", "/v1/syncs/"+id, map[string]any{"options": map[string]any{"base_url": nil}, "metadata": map[string]any{}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, map[string]any{"schema": "acme", "poll_interval_ms": 2000.0}, r.body["options"])
	require.Equal(t, map[string]any{}, r.body["metadata"])
	require.Equal(t, "renamed", r.body["name"])
	r = b.do(t, "PATCH", "/v1/syncs/"+id, map[string]any{})
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, 9.0, r.body["rate_limit"].(map[string]any)["allowed_requests"])

	cases := []struct {
		name string
		body map[string]any
		sql  string
	}{
		{"duplicate name", map[string]any{"name": "other"}, `SELECT sequin.update_sync($1, name => 'other')`},
		{"empty name", map[string]any{"name": " "}, `SELECT sequin.update_sync($1, name => ' ')`},
		{"bad rate limit", map[string]any{"rate_limit": map[string]any{"allowed_requests": 1}}, `SELECT sequin.update_sync($1, rate_limit => '{"allowed_requests": 1}')`},
		{"metadata not an object", map[string]any{"metadata": []int{1}}, `SELECT sequin.update_sync($1, metadata => '[1]')`},
		{"schema change", map[string]any{"options": map[string]any{"schema": "elsewhere"}}, `SELECT sequin.update_sync($1, options => '{"schema": "elsewhere"}')`},
		{"bad poll interval", map[string]any{"options": map[string]any{"poll_interval_ms": 5}}, `SELECT sequin.update_sync($1, options => '{"poll_interval_ms": 5}')`},
		{"bad base url", map[string]any{"options": map[string]any{"base_url": "ftp://x"}}, `SELECT sequin.update_sync($1, options => '{"base_url": "ftp://x"}')`},
		{"unknown collection", map[string]any{"collection_ids": []string{"sprocket"}}, `SELECT sequin.add_collections($1, ARRAY['sprocket'])`},
		{"no collections", map[string]any{"collection_ids": []string{}}, `SELECT sequin.add_collections($1, ARRAY[]::text[])`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.do(t, "PATCH", "/v1/syncs/"+id, tc.body).requireSQLError(t, b.sqlError(t, tc.sql, id))
		})
	}
	e := b.do(t, "PATCH", "/v1/syncs/"+id, map[string]any{"options": map[string]any{"schema": "elsewhere"}}).errorBody(t)
	require.Contains(t, e["message"], `sequin.update_sync: argument "options": schema cannot change`)

	// A refused PATCH changes nothing, not even the parts that were valid.
	b.do(t, "PATCH", "/v1/syncs/"+id, map[string]any{"name": "again", "collection_ids": []string{"sprocket"}}).
		requireError(t, http.StatusUnprocessableEntity, httpapi.CodeInvalidArgument)
	require.Equal(t, "renamed", b.do(t, "GET", "/v1/syncs/"+id, nil).body["name"])
}

func TestSyncLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.sync(t, "life", "acme")
	b.exec(t, `SELECT sequin.add_collections($1, ARRAY['gadget'])`, id)

	r := b.do(t, "POST", "/v1/syncs/"+id+"/pause", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, "paused", r.body["status"])
	require.Equal(t, "paused", r.body["collections"].([]any)[0].(map[string]any)["state"])
	r = b.do(t, "POST", "/v1/syncs/"+id+"/resume", nil)
	require.Equal(t, "active", r.body["status"])

	generation := func(collection string) int {
		var g int
		require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT generation FROM sequin.sync_collections WHERE sync_id = $1 AND collection_id = $2`, id, collection).Scan(&g))
		return g
	}
	r = b.do(t, "POST", "/v1/syncs/"+id+"/resync", map[string]any{"collection_id": "widget"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, 2, generation("acme:widget"))
	require.Equal(t, 1, generation("acme:gadget"))
	r = b.do(t, "POST", "/v1/syncs/"+id+"/resync", nil)
	require.Equal(t, http.StatusOK, r.status, "the body is optional: %s", r.raw)
	require.Equal(t, 3, generation("acme:widget"))
	require.Equal(t, 2, generation("acme:gadget"))
	b.do(t, "POST", "/v1/syncs/"+id+"/resync", map[string]any{"collection_id": "gizmo"}).
		requireSQLError(t, b.sqlError(t, `SELECT sequin.resync($1, 'gizmo')`, id))

	// Delete, with the tables.
	b.exec(t, `CREATE SCHEMA acme; CREATE TABLE acme.widget (id text primary key, _data jsonb, _sync_id uuid, _upstream_updated_at timestamptz, _synced_at timestamptz); SELECT sequin._rebuild_records_view()`)
	b.do(t, "DELETE", "/v1/syncs/"+id+"?drop_tables=maybe", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	r = b.do(t, "DELETE", "/v1/syncs/"+id+"?drop_tables=true", nil)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.raw)
	var exists bool
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT to_regclass('acme.widget') IS NOT NULL`).Scan(&exists))
	require.False(t, exists)
	for _, path := range []string{"", "/pause", "/resume", "/resync"} {
		method := "POST"
		if path == "" {
			method = "GET"
		}
		e := b.do(t, method, "/v1/syncs/"+id+path, nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)
		require.Equal(t, "no sync "+id, e["message"])
	}
	b.do(t, "DELETE", "/v1/syncs/"+id, nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)

	// Without drop_tables the tables stay.
	keep := b.sync(t, "keep", "acme_keep")
	b.exec(t, `CREATE SCHEMA acme_keep; CREATE TABLE acme_keep.widget (id text primary key)`)
	require.Equal(t, http.StatusNoContent, b.do(t, "DELETE", "/v1/syncs/"+keep, nil).status)
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT to_regclass('acme_keep.widget') IS NOT NULL`).Scan(&exists))
	require.True(t, exists)
}
