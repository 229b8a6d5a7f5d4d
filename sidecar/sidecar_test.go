package sidecar_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/testprovider"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

func startSidecar(t *testing.T, dbURL, key string, reg *providers.Registry) *sidecar.Sidecar {
	t.Helper()
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: dbURL, Listen: "127.0.0.1:0", SecretKey: key, Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReconcileEvery: time.Hour,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, sc.Start(ctx))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	return sc
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := sidecar.New(sidecar.Config{})
	require.ErrorContains(t, err, "database URL is required")
	require.ErrorContains(t, err, "SEQUIN_SECRET_KEY")
	_, err = sidecar.New(sidecar.Config{DatabaseURL: "postgres://x", SecretKey: "short"})
	require.ErrorContains(t, err, "SEQUIN_SECRET_KEY: secret key must be 32 bytes")
}

func TestNotificationReachesControlLoop(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	reg, err := providers.NewRegistry(testprovider.New())
	require.NoError(t, err)
	sc := startSidecar(t, db.URL, secret.GenerateKey(), reg)
	ctx := context.Background()

	// The catalogue was published at start, so SQL can validate against it.
	var cred string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_credential('acme', '{"api_key": "ak_live_999"}')::text`).Scan(&cred))
	require.Eventually(t, func() bool {
		var sealed bool
		_ = db.Pool.QueryRow(ctx, `SELECT sealed FROM sequin.credentials_view WHERE id = $1`, cred).Scan(&sealed)
		return sealed
	}, 10*time.Second, 20*time.Millisecond, "the sidecar seals a credential on its notification")

	var syncID string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'n', ARRAY['widget', 'gadget'], $1)::text`, cred).Scan(&syncID))
	require.Eventually(t, func() bool {
		var live int
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sync_collections WHERE sync_id = $1 AND state = 'live'`, syncID).Scan(&live)
		return live == 2
	}, 10*time.Second, 20*time.Millisecond, "the sidecar creates tables and backfills on sync_created")
	var replident string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT relreplident::text FROM pg_class WHERE oid = 'acme.widget'::regclass`).Scan(&replident))
	require.Equal(t, "f", replident, "synced tables have REPLICA IDENTITY FULL")
	var n int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.records`).Scan(&n))
	require.Zero(t, n)

	resp, err := http.Get("http://" + sc.Addr + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var health map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
	require.Equal(t, "ok", health["status"])
	metrics, err := http.Get("http://" + sc.Addr + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(metrics.Body)
	metrics.Body.Close()
	require.Contains(t, string(body), "go_goroutines")
}

func TestReconcileOnStartPicksUpWorkDoneWhileDown(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	reg, err := providers.NewRegistry(testprovider.New())
	require.NoError(t, err)
	key := secret.GenerateKey()
	sc := startSidecar(t, db.URL, key, reg)
	sc.Stop(context.Background())
	ctx := context.Background()

	// Written while no sidecar listens: the notifications are lost.
	var syncID string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'offline', ARRAY['widget'],
		sequin.create_credential('acme', '{"api_key": "ak_1"}'))::text`).Scan(&syncID))

	startSidecar(t, db.URL, key, reg)
	require.Eventually(t, func() bool {
		var state string
		var pending bool
		_ = db.Pool.QueryRow(ctx, `SELECT sc.state, c.pending_properties IS NOT NULL FROM sequin.sync_collections sc
			JOIN sequin.syncs s ON s.id = sc.sync_id JOIN sequin.credentials c ON c.id = s.credential_id WHERE sc.sync_id = $1`, syncID).Scan(&state, &pending)
		return state == "live" && !pending
	}, 10*time.Second, 20*time.Millisecond)
}

func TestTwoSidecarsStartTogether(t *testing.T) {
	t.Parallel()
	db := pgtest.NewEmptyDB(t)
	reg, err := providers.NewRegistry(testprovider.New())
	require.NoError(t, err)
	key := secret.GenerateKey()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "-", SecretKey: key, Registry: reg,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err == nil {
				err = sc.Start(context.Background())
				t.Cleanup(func() { sc.Stop(context.Background()) })
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	var n int
	require.NoError(t, db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.providers_catalog`).Scan(&n))
	require.Equal(t, 1, n)
}
