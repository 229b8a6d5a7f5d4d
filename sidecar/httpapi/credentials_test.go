package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

func TestCreateCredential(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	doc := b.openAPI(t)

	r := b.do(t, "POST", "/v1/credentials", map[string]any{
		"provider":   "acme",
		"properties": map[string]any{"api_key": "ak_very_secret", "region": "eu"},
		"metadata":   map[string]any{"team": "billing"},
	})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	requireShape(t, doc, "Credential", r.body)
	require.NotContains(t, string(r.raw), "ak_very_secret", "secrets are never returned")
	require.Equal(t, "acme_key", r.body["kind"])
	require.Equal(t, map[string]any{"region": "eu"}, r.body["properties"])
	require.Equal(t, map[string]any{"team": "billing"}, r.body["metadata"])
	require.Equal(t, true, r.body["sealed"], "sealed at once, not left for the control loop")

	id := r.body["id"].(string)
	var pending bool
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT pending_properties IS NOT NULL FROM sequin.credentials WHERE id = $1`, id).Scan(&pending))
	require.False(t, pending, "no plaintext left in the table")
	row, err := b.creds.Load(ctx, b.db.Pool, id)
	require.NoError(t, err)
	require.Equal(t, "ak_very_secret", row.String("api_key"))

	// The same mistakes as in SQL get the same words.
	cases := []struct {
		name string
		body map[string]any
		sql  string
	}{
		{"missing required property", map[string]any{"provider": "acme", "properties": map[string]any{"region": "eu"}},
			`SELECT sequin.create_credential('acme', '{"region": "eu"}')`},
		{"unknown provider", map[string]any{"provider": "nope", "properties": map[string]any{}},
			`SELECT sequin.create_credential('nope', '{}')`},
		{"no provider", map[string]any{"properties": map[string]any{"api_key": "x"}},
			`SELECT sequin.create_credential(NULL, '{"api_key": "x"}')`},
		{"no properties", map[string]any{"provider": "acme"},
			`SELECT sequin.create_credential('acme', NULL)`},
		{"metadata not an object", map[string]any{"provider": "acme", "properties": map[string]any{"api_key": "x"}, "metadata": "hi"},
			`SELECT sequin.create_credential('acme', '{"api_key": "x"}', '"hi"')`},
		{"property of the wrong type", map[string]any{"provider": "acme", "properties": map[string]any{"api_key": 42}},
			`SELECT sequin.create_credential('acme', '{"api_key": 42}')`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.do(t, "POST", "/v1/credentials", tc.body).requireSQLError(t, b.sqlError(t, tc.sql))
		})
	}
	e := b.do(t, "POST", "/v1/credentials", map[string]any{"provider": "nope", "properties": map[string]any{}}).errorBody(t)
	require.Contains(t, e["hint"], "known providers: acme, forge")

	var n int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.credentials`).Scan(&n))
	require.Equal(t, 1, n, "refused requests leave nothing behind")
}

func TestListAndGetCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := b.openAPI(t)
	var ids []string
	for range 5 {
		ids = append(ids, b.credential(t))
	}

	var seen []string
	path := "/v1/credentials?limit=2"
	pages := 0
	for {
		r := b.do(t, "GET", path, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		requireShape(t, doc, "CredentialList", r.body)
		for _, c := range r.data(t) {
			seen = append(seen, c.(map[string]any)["id"].(string))
		}
		pages++
		if r.body["next_cursor"] == nil {
			require.Equal(t, false, r.body["has_more"])
			break
		}
		require.Equal(t, true, r.body["has_more"])
		path = "/v1/credentials?limit=2&cursor=" + r.body["next_cursor"].(string)
	}
	require.Equal(t, ids, seen, "in creation order, each once")
	require.Equal(t, 3, pages)

	r := b.do(t, "GET", "/v1/credentials", nil)
	require.Len(t, r.data(t), 5, "default limit")

	r = b.do(t, "GET", "/v1/credentials/"+strings.ToUpper(ids[2]), nil)
	require.Equal(t, http.StatusOK, r.status)
	requireShape(t, doc, "Credential", r.body)
	require.Equal(t, ids[2], r.body["id"])
	require.NotContains(t, string(r.raw), "ak_secret_123")

	b.do(t, "GET", "/v1/credentials?limit=0", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	b.do(t, "GET", "/v1/credentials?limit=1001", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	b.do(t, "GET", "/v1/credentials?cursor=garbage", nil).requireError(t, http.StatusBadRequest, httpapi.CodeInvalidParameter)
	e := b.do(t, "GET", "/v1/credentials?provider=acme", nil).requireError(t, http.StatusBadRequest, httpapi.CodeUnknownParameter)
	require.Equal(t, "provider", e["field"])
	require.Equal(t, "accepted: cursor, limit", e["hint"])
}

func TestDeleteCredential(t *testing.T) {
	t.Parallel()
	b := setup(t)
	free := b.credential(t)
	r := b.do(t, "DELETE", "/v1/credentials/"+free, nil)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.raw)
	b.do(t, "GET", "/v1/credentials/"+free, nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)
	b.do(t, "DELETE", "/v1/credentials/"+free, nil).requireError(t, http.StatusNotFound, httpapi.CodeNotFound)

	syncID := b.sync(t, "main", "acme")
	used := b.sqlString(t, `SELECT credential_id::text FROM sequin.syncs WHERE id = $1`, syncID)
	want := b.sqlError(t, `SELECT sequin.drop_credential($1)`, used)
	b.do(t, "DELETE", "/v1/credentials/"+used, nil).requireSQLError(t, want)
	require.Contains(t, want.Message, "used by syncs")
}
