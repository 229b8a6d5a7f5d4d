package httpapi_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

func TestAPITokensInSQL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	require.Regexp(t, `^sqn_[0-9a-f]{64}$`, b.token)
	var prefix string
	var hash []byte
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT token_prefix, token_hash FROM sequin.api_tokens WHERE name = 'tests'`).Scan(&prefix, &hash))
	require.Equal(t, b.token[:12], prefix, "a short prefix, to recognise the token")
	sum := sha256.Sum256([]byte(b.token))
	require.Equal(t, sum[:], hash, "only the SHA-256 of the token is stored")

	var viewText string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT row_to_json(v)::text FROM sequin.api_tokens_view v`).Scan(&viewText))
	require.NotContains(t, viewText, "hash")
	require.Contains(t, viewText, `"active":true`)

	other := b.sqlString(t, `SELECT sequin.create_api_token('other')`)
	require.NotEqual(t, b.token, other)

	sqlErr := func(sql string, args ...any) *pgconn.PgError {
		t.Helper()
		_, err := b.db.Pool.Exec(ctx, sql, args...)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr)
		require.Equal(t, "22023", pgErr.Code)
		return pgErr
	}
	e := sqlErr(`SELECT sequin.create_api_token('tests')`)
	require.Contains(t, e.Message, `sequin.create_api_token: argument "name": an active token named 'tests' already exists`)
	e = sqlErr(`SELECT sequin.create_api_token(' ')`)
	require.Contains(t, e.Message, `argument "name": must not be null or empty`)
	e = sqlErr(`SELECT sequin.revoke_api_token('nobody')`)
	require.Contains(t, e.Message, `sequin.revoke_api_token: argument "id_or_name": no active token 'nobody'`)

	// Revoke by id; then the name can be used again.
	id := b.sqlString(t, `SELECT id::text FROM sequin.api_tokens_view WHERE name = 'other'`)
	b.exec(t, `SELECT sequin.revoke_api_token($1)`, strings.ToUpper(id))
	var active bool
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT active FROM sequin.api_tokens_view WHERE id = $1`, id).Scan(&active))
	require.False(t, active)
	b.sqlString(t, `SELECT sequin.create_api_token('other')`)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)

	r := b.doAs(t, "", "GET", "/v1/syncs", nil)
	e := r.requireError(t, http.StatusUnauthorized, httpapi.CodeUnauthorized)
	require.Contains(t, e["message"], "missing API token")
	require.Contains(t, e["hint"], "sequin.create_api_token")
	require.Equal(t, `Bearer realm="sequin"`, r.header.Get("WWW-Authenticate"))

	for name, header := range map[string]string{
		"basic scheme": "Basic " + b.token,
		"no token":     "Bearer ",
		"bare token":   b.token,
	} {
		req, err := http.NewRequest("GET", b.http.URL+"/v1/syncs", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", header)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
	}

	b.doAs(t, "sqn_"+strings.Repeat("0", 64), "GET", "/v1/syncs", nil).requireError(t, http.StatusUnauthorized, httpapi.CodeUnauthorized)
	b.doAs(t, b.token+"x", "GET", "/v1/syncs", nil).requireError(t, http.StatusUnauthorized, httpapi.CodeUnauthorized)

	// The scheme is case-insensitive.
	req, err := http.NewRequest("GET", b.http.URL+"/v1/syncs", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "bearer "+b.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Revocation takes effect on the next request.
	tok := b.sqlString(t, `SELECT sequin.create_api_token('short-lived')`)
	require.Equal(t, http.StatusOK, b.doAs(t, tok, "GET", "/v1/syncs", nil).status)
	b.exec(t, `SELECT sequin.revoke_api_token('short-lived')`)
	e = b.doAs(t, tok, "GET", "/v1/syncs", nil).requireError(t, http.StatusUnauthorized, httpapi.CodeUnauthorized)
	require.Contains(t, e["message"], "invalid or revoked")
}

func TestTokenLastUsedAtIsWrittenAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	lastUsed := func() *time.Time {
		var at *time.Time
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT last_used_at FROM sequin.api_tokens_view WHERE name = 'tests'`).Scan(&at))
		return at
	}
	require.Nil(t, lastUsed())
	require.Equal(t, http.StatusOK, b.do(t, "GET", "/v1/providers", nil).status)
	first := lastUsed()
	require.NotNil(t, first)
	require.Equal(t, http.StatusOK, b.do(t, "GET", "/v1/providers", nil).status)
	require.Equal(t, *first, *lastUsed(), "a second use within the minute writes nothing")

	b.exec(t, `UPDATE sequin.api_tokens SET last_used_at = now() - interval '61 seconds' WHERE name = 'tests'`)
	stale := lastUsed()
	require.Equal(t, http.StatusOK, b.do(t, "GET", "/v1/providers", nil).status)
	require.True(t, lastUsed().After(*stale), "a use after a minute is recorded")
}

func TestMountedHandlersAreBehindTheTokenCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.server.Mount("POST /v1/http-consumers/{id}/next", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := httpapi.TokenFromContext(r.Context())
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"token": tok.Name, "ok": ok, "id": r.PathValue("id")})
	}))
	b.server.Handle("POST /webhooks/{sync_id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))

	b.doAs(t, "", "POST", "/v1/http-consumers/c1/next", "{}").requireError(t, http.StatusUnauthorized, httpapi.CodeUnauthorized)
	r := b.do(t, "POST", "/v1/http-consumers/c1/next", "{}")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, map[string]any{"token": "tests", "ok": true, "id": "c1"}, r.body)
	require.Equal(t, http.StatusAccepted, b.doAs(t, "", "POST", "/webhooks/abc", "{}").status, "Handle adds public routes")

	require.Panics(t, func() { b.server.Mount("/v1/things/", http.NotFoundHandler()) }, "a pattern without a method cannot be documented")
}
