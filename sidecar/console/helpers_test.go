package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
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

func TestMain(m *testing.M) { pgtest.Main(m) }

const stripeKey = "sk_test_console"

// testBundle is a running sidecar (with the console mounted as in production) beside a Stripe
// emulator, over a fresh database, and an API token made through SQL as an operator would.
type testBundle struct {
	db     *pgtest.DB
	emu    *emulator.Server
	emuURL string
	sc     *sidecar.Sidecar
	base   string
	token  string
}

func setup(t *testing.T, seed int) *testBundle {
	t.Helper()
	emu := emulator.New(emulator.Config{APIKeys: []string{stripeKey}, Seed: seed, RandSeed: 11})
	emuURL, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: db.URL, Listen: "127.0.0.1:0", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReconcileEvery: 2 * time.Second,
		HeartbeatEvery: time.Second,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, sc.Start(ctx))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	b := &testBundle{db: db, emu: emu, emuURL: emuURL, sc: sc, base: "http://" + sc.Addr}
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_api_token('console-tests')`).Scan(&b.token))
	return b
}

// createSync makes a Stripe sync of the emulator through SQL and waits for its backfill to end.
func (b *testBundle) createSync(t *testing.T, name string, collections ...string) string {
	t.Helper()
	ctx := context.Background()
	var id string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', $1, $2,
		sequin.create_credential('stripe', jsonb_build_object('secret', $3::text)),
		rate_limit => '{"allowed_requests": 10000, "interval": 1000}',
		options => jsonb_build_object('base_url', $4::text, 'poll_interval_ms', 300))::text`,
		name, collections, stripeKey, b.emuURL).Scan(&id))
	require.Eventually(t, func() bool {
		var notLive int
		err := b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sync_collections WHERE sync_id = $1 AND state <> 'live'`, id).Scan(&notLive)
		return err == nil && notLive == 0
	}, 30*time.Second, 50*time.Millisecond, "backfill did not finish")
	// sequin.records takes in new tables a moment after they are made (rebuilds are coalesced).
	require.Eventually(t, func() bool {
		var in bool
		err := b.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sequin.records WHERE sync_id = $1)`, id).Scan(&in)
		return err == nil && in
	}, 10*time.Second, 20*time.Millisecond, "sequin.records shows the sync's tables")
	return id
}

// get calls the sidecar with the bundle's token and decodes a JSON answer into out (when not nil).
func (b *testBundle) get(t *testing.T, path string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(body, out), "body: %s", body)
	}
	return resp
}

// apiError is the error body of the API and of the console's data routes.
type apiError struct {
	Error struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
	} `json:"error"`
}
