package sidecar_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// TestThousandSyncsOnOneSidecar: many customers' accounts on one sidecar, with no goroutine or
// connection per sync.
func TestThousandSyncsOnOneSidecar(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	const syncs = 1000
	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 3, RandSeed: 11})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	b := &syncBundle{db: pgtest.NewDB(t), emu: emu, url: url, key: secret.GenerateKey(), reg: reg}
	ctx := context.Background()
	b.sc = b.start(t)
	goroutinesBefore := runtime.NumGoroutine()

	_, err = b.db.Pool.Exec(ctx, `
		WITH cred AS (SELECT sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)) AS id)
		SELECT sequin.create_sync('stripe', 'account_' || g, ARRAY['stripe:customer'], cred.id,
			rate_limit => '{"allowed_requests": 100000, "interval": 1000}',
			options => jsonb_build_object('schema', 'acct_' || g, 'base_url', $2::text, 'poll_interval_ms', 60000))
		FROM generate_series(1, $3::int) g, cred`, goodKey, url, syncs)
	require.NoError(t, err)

	start := time.Now()
	require.Eventually(t, func() bool {
		var live int
		_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sync_collections WHERE state = 'live'`).Scan(&live)
		return live == syncs
	}, 4*time.Minute, 200*time.Millisecond)
	t.Logf("%d syncs backfilled in %v", syncs, time.Since(start))

	var records, events int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sum(records_count) FROM sequin.sync_collections`).Scan(&records))
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events`).Scan(&events))
	require.Equal(t, 3*syncs, records)
	require.Equal(t, 3*syncs, events)
	var inView int
	require.Eventually(t, func() bool {
		_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.records`).Scan(&inView)
		return inView == 3*syncs
	}, 30*time.Second, 200*time.Millisecond, "sequin.records spans every synced table")

	goroutinesAfter := runtime.NumGoroutine()
	t.Logf("goroutines: %d before the syncs, %d with %d live syncs", goroutinesBefore, goroutinesAfter, syncs)
	require.Less(t, goroutinesAfter-goroutinesBefore, 100, "no goroutine per sync")
	require.LessOrEqual(t, b.sc.Pool.Stat().TotalConns(), int32(20), "no connection per sync")
	var pollJobs int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.river_job WHERE kind = 'sequin.poll' AND state IN ('available', 'scheduled', 'running')`).Scan(&pollJobs))
	require.Equal(t, syncs, pollJobs, "exactly one live poll job per collection")
}

// TestTwoSidecarsShareTheWork: two sidecars on one database split the jobs, and nothing is processed
// twice (exactly one event per record).
func TestTwoSidecarsShareTheWork(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test")
	}
	t.Parallel()
	const syncs = 40
	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 150, RandSeed: 5, Latency: 2 * time.Millisecond})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	b := &syncBundle{db: pgtest.NewDB(t), emu: emu, url: url, key: secret.GenerateKey(), reg: reg}
	ctx := context.Background()
	one := b.start(t)
	two := b.start(t)
	_, err = b.db.Pool.Exec(ctx, `
		WITH cred AS (SELECT sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)) AS id)
		SELECT sequin.create_sync('stripe', 'shared_' || g, ARRAY['stripe:customer'], cred.id,
			rate_limit => '{"allowed_requests": 100000, "interval": 1000}',
			options => jsonb_build_object('schema', 'shared_' || g, 'base_url', $2::text, 'poll_interval_ms', 500))
		FROM generate_series(1, $3::int) g, cred`, goodKey, url, syncs)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var live int
		_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sync_collections WHERE state = 'live'`).Scan(&live)
		return live == syncs
	}, 2*time.Minute, 100*time.Millisecond)
	var events, dupes int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events`).Scan(&events))
	require.Equal(t, 150*syncs, events)
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM sequin.events GROUP BY sync_id, upstream_id HAVING count(*) > 1) d`).Scan(&dupes))
	require.Zero(t, dupes)
	var byOne, byTwo int
	q := `SELECT count(*) FROM sequin.river_job WHERE kind = 'sequin.backfill' AND $1 = ANY(attempted_by)`
	require.NoError(t, b.db.Pool.QueryRow(ctx, q, one.ID).Scan(&byOne))
	require.NoError(t, b.db.Pool.QueryRow(ctx, q, two.ID).Scan(&byTwo))
	t.Logf("backfill jobs run by sidecar one: %d, by two: %d", byOne, byTwo)
	require.Positive(t, byOne)
	require.Positive(t, byTwo)
	_ = fmt.Sprint()
}
