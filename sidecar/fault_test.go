package sidecar_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgcluster"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// TestUpstreamFaultsDuringBackfillHealThemselves: 500s, a 429 storm, slow answers and truncated JSON
// in the middle of a backfill leave every record synced exactly once, and the sync healthy again.
func TestUpstreamFaultsDuringBackfillHealThemselves(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 500, collections: []string{"stripe:customer"}, pollMS: 300})
	for _, f := range []emulator.Fault{
		{Method: "GET", PathPrefix: "/v1/customers", Status: 500, Count: 3},
		{Method: "GET", PathPrefix: "/v1/customers", Status: 429, RetryAfter: 1, Count: 6},
		{Method: "GET", PathPrefix: "/v1/customers", Delay: 300 * time.Millisecond, Count: 3},
		{Method: "GET", PathPrefix: "/v1/customers", Status: 200, Body: `{"object": "list", "data": [{"id": "cus_`, Count: 2},
		{Method: "GET", PathPrefix: "/v1/customers", Status: 503, Count: 2},
	} {
		b.emu.InjectFault(f)
	}
	b.waitLive(t, 60*time.Second)
	require.True(t, b.tableMatchesUpstream(t, "customer", "customer"))
	require.Equal(t, map[string]int{"inserted": 500}, b.eventCounts(t, "stripe:customer"), "exactly one event per record")
	ctx := context.Background()
	require.Eventually(t, func() bool {
		var health string
		_ = b.db.Pool.QueryRow(ctx, `SELECT health FROM sequin.syncs WHERE id = $1`, b.syncID).Scan(&health)
		return health == "healthy"
	}, 20*time.Second, 50*time.Millisecond, "the sync recovers by itself")
}

// TestKillDuringPollingAndMutations: a sidecar killed -9 while it polls changes and applies mutations
// loses none of them and duplicates none: each upstream update is one event, each mutation one object.
func TestKillDuringPollingAndMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	t.Parallel()
	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 100, RandSeed: 11, Latency: 5 * time.Millisecond})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	b := &syncBundle{db: pgtest.NewDB(t), emu: emu, url: url, key: secret.GenerateKey(), reg: reg}
	ctx := context.Background()
	first := b.start(t)
	first.Stop(ctx)
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'main', ARRAY['stripe:customer'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)),
		rate_limit => '{"allowed_requests": 10000, "interval": 1000}',
		options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 200))::text`, goodKey, url).Scan(&b.syncID))
	child := startChild(t, b.db.URL, b.key)
	b.waitLive(t, 60*time.Second)

	// Changes upstream and mutations from SQL, while the child works; it dies halfway.
	ids := make([]string, 0, 40)
	for _, c := range emu.List("customer")[:40] {
		ids = append(ids, c["id"].(string))
	}
	const mutations = 16
	for i := range 40 {
		_, err := emu.Update("customer", ids[i], map[string]any{"metadata": map[string]any{"fault": fmt.Sprint(i)}})
		require.NoError(t, err)
		if i < mutations {
			_, err = b.db.Pool.Exec(ctx, `SELECT sequin.mutate($1::uuid, 'customer', 'create', jsonb_build_object('email', $2::text))`,
				b.syncID, fmt.Sprintf("kill%d@example.com", i))
			require.NoError(t, err)
		}
		if i == 20 {
			require.NoError(t, child.Process.Signal(syscall.SIGKILL))
			_ = child.Wait()
		}
		time.Sleep(20 * time.Millisecond) // changes spread over several polls
	}
	b.sc = b.start(t)

	require.Eventually(t, func() bool {
		var done int
		_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.mutations WHERE status = 'succeeded'`).Scan(&done)
		return done == mutations
	}, 60*time.Second, 50*time.Millisecond, "every mutation is applied")
	require.Equal(t, 100+mutations, emu.Count("customer"), "one object per mutation, none twice")
	require.Eventually(t, func() bool { return b.tableMatchesUpstream(t, "customer", "customer") }, 30*time.Second, 100*time.Millisecond)
	// Let a few more polls pass: nothing may be emitted again.
	time.Sleep(time.Second)
	require.Equal(t, map[string]int{"inserted": 100 + mutations, "updated": 40}, b.eventCounts(t, "stripe:customer"))
	var perRecord int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT max(n) FROM (SELECT count(*) n FROM sequin.events
		WHERE collection_id = 'stripe:customer' AND event = 'updated' GROUP BY upstream_id) x`).Scan(&perRecord))
	require.Equal(t, 1, perRecord, "one updated event per changed record")
}

// TestPostgresRestartUnderLoad: the database going away mid-backfill (an immediate shutdown, as in a
// crash or failover) and coming back leaves the sidecar to recover by itself, with every record synced
// once.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts its own PostgreSQL cluster")
	}
	t.Parallel()
	ctx := context.Background()
	// Not t.TempDir: its parent is private to root, and the cluster runs as the postgres user.
	parent, err := os.MkdirTemp("", "sequin-restart-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(parent, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(parent) })
	dir := filepath.Join(parent, "pg")
	cluster, err := pgcluster.Start(ctx, dir, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.Stop(context.WithoutCancel(ctx)) })

	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 1500, RandSeed: 13, Latency: 10 * time.Millisecond})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	pool, err := pgxpool.New(ctx, cluster.URL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	b := &syncBundle{db: &pgtest.DB{Name: "postgres", URL: cluster.URL, Pool: pool}, emu: emu, url: url, key: secret.GenerateKey(), reg: reg}
	b.sc = b.start(t)
	require.NoError(t, pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'main', ARRAY['stripe:customer', 'stripe:charge'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)),
		rate_limit => '{"allowed_requests": 10000, "interval": 1000}',
		options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 300))::text`, goodKey, url).Scan(&b.syncID))
	require.Eventually(t, func() bool {
		var pages int
		_ = pool.QueryRow(ctx, `SELECT min(backfill_pages) FROM sequin.sync_collections WHERE sync_id = $1`, b.syncID).Scan(&pages)
		return pages >= 3
	}, 60*time.Second, 10*time.Millisecond)

	require.NoError(t, cluster.Stop(ctx))
	time.Sleep(500 * time.Millisecond) // the sidecar notices the database is gone
	cluster, err = pgcluster.Start(ctx, dir, cluster.Port)
	require.NoError(t, err)

	b.waitLive(t, 90*time.Second)
	require.True(t, b.tableMatchesUpstream(t, "customer", "customer"))
	require.True(t, b.tableMatchesUpstream(t, "charge", "charge"))
	require.Equal(t, map[string]int{"inserted": 1500}, b.eventCounts(t, "stripe:customer"), "exactly one event per record")
	require.Equal(t, map[string]int{"inserted": 1500}, b.eventCounts(t, "stripe:charge"))

	// The control loop listens again: a new sync made after the restart is picked up at once.
	var second string
	require.NoError(t, pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'second', ARRAY['stripe:coupon'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)),
		options => jsonb_build_object('base_url', $2::text, 'schema', 'stripe_two'))::text`, goodKey, url).Scan(&second))
	require.Eventually(t, func() bool {
		var live bool
		_ = pool.QueryRow(ctx, `SELECT bool_and(state = 'live') FROM sequin.sync_collections WHERE sync_id = $1`, second).Scan(&live)
		return live
	}, 20*time.Second, 50*time.Millisecond, "notifications reach the sidecar after the restart")
}
