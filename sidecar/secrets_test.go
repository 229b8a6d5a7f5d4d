package sidecar_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// lockedBuffer collects a sidecar's log lines from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNoSecretInLogsViewsOrAPI runs a sidecar through a full life at debug level (a good and a refused
// credential, backfill, polling, a mutation, webhooks forged and unsigned, the HTTP API with good and
// bad tokens) and greps everything it logged, every view and every API answer for the secrets.
func TestNoSecretInLogsViewsOrAPI(t *testing.T) {
	t.Parallel()
	good := "sk_test_" + strings.ReplaceAll(secret.GenerateKey()[:20], "/", "x")
	wrong := "sk_test_" + strings.ReplaceAll(secret.GenerateKey()[:20], "/", "y")
	whsec := "whsec_" + strings.ReplaceAll(secret.GenerateKey()[:20], "/", "z")
	emu := emulator.New(emulator.Config{APIKeys: []string{good}, Seed: 30, RandSeed: 3})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	logs := &lockedBuffer{}
	key := secret.GenerateKey()
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "127.0.0.1:0", SecretKey: key, Registry: reg,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), HeartbeatEvery: time.Second})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	ctx := context.Background()

	var token, goodSync, badSync string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_api_token('secrets')`).Scan(&token))
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'good', ARRAY['customer'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text, 'webhook_secret', $2::text)),
		options => jsonb_build_object('base_url', $3::text, 'poll_interval_ms', 200))::text`, good, whsec, url).Scan(&goodSync))
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'bad', ARRAY['customer'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)),
		options => jsonb_build_object('base_url', $2::text, 'schema', 'stripe_bad'))::text`, wrong, url).Scan(&badSync))
	require.Eventually(t, func() bool {
		var live, refused bool
		_ = db.Pool.QueryRow(ctx, `SELECT bool_and(state = 'live') FROM sequin.sync_collections WHERE sync_id = $1`, goodSync).Scan(&live)
		_ = db.Pool.QueryRow(ctx, `SELECT health = 'customer_intervention' FROM sequin.syncs WHERE id = $1`, badSync).Scan(&refused)
		return live && refused
	}, 30*time.Second, 50*time.Millisecond)

	var mutation, status string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.mutate($1::uuid, 'customer', 'create', '{"email": "s@example.com"}')::text`, goodSync).Scan(&mutation))
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT status FROM sequin.await_mutation($1::uuid, 10000)`, mutation).Scan(&status))
	require.Equal(t, "succeeded", status)

	base := "http://" + sc.Addr
	var answers []string
	call := func(method, path, tok, body string) int {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		require.NoError(t, err)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		req.Header.Set("Stripe-Signature", "t=1,v1=deadbeef")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answers = append(answers, string(b))
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, call("GET", "/v1/credentials", token, ""))
	require.Equal(t, http.StatusOK, call("GET", "/v1/syncs/"+goodSync, token, ""))
	require.Equal(t, http.StatusUnauthorized, call("GET", "/v1/credentials", token+"x", ""))
	require.Equal(t, http.StatusUnauthorized, call("GET", "/v1/credentials", good, ""))
	require.NotEqual(t, http.StatusOK, call("POST", "/webhooks/"+goodSync, "", `{"type": "customer.updated"}`))

	for _, q := range []string{
		`SELECT coalesce(json_agg(c), '[]')::text FROM sequin.credentials_view c`,
		`SELECT coalesce(json_agg(c), '[]')::text FROM sequin.credentials c`,
		`SELECT coalesce(json_agg(s), '[]')::text FROM sequin.sync_status s`,
		`SELECT coalesce(json_agg(s), '[]')::text FROM sequin.syncs s`,
		`SELECT coalesce(json_agg(a), '[]')::text FROM sequin.api_tokens a`,
		`SELECT coalesce(json_agg(j.args || jsonb_build_object('errors', j.errors)), '[]')::text FROM sequin.river_job j`,
	} {
		var out string
		require.NoError(t, db.Pool.QueryRow(ctx, q).Scan(&out))
		answers = append(answers, out)
	}
	sc.Stop(ctx)
	all := logs.String() + strings.Join(answers, "\n")
	require.Contains(t, logs.String(), "sync job failed", "the refused credential was logged about")
	for name, s := range map[string]string{"the API key": good, "the refused API key": wrong, "the webhook secret": whsec,
		"the API token": token, "the secret key": key} {
		require.NotContains(t, all, s, "%s leaked", name)
	}
}
