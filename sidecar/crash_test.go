package sidecar_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"syscall"
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

// childEnv makes the test binary run a bare sidecar instead of tests, so a test can kill -9 it.
const childEnv = "SEQUIN_TEST_SIDECAR_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		runChildSidecar()
		return
	}
	pgtest.Main(m)
}

func runChildSidecar() {
	reg, err := providers.NewRegistry(stripe.New())
	if err != nil {
		panic(err)
	}
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: os.Getenv("CHILD_DATABASE_URL"), Listen: "-", SecretKey: os.Getenv("CHILD_SECRET_KEY"), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HeartbeatEvery: time.Second,
		StreamSlot: os.Getenv("CHILD_STREAM_SLOT"),
	})
	if err != nil {
		panic(err)
	}
	if err := sc.Start(context.Background()); err != nil {
		panic(err)
	}
	select {} // until killed
}

// startChild runs a sidecar in a child process (see TestMain) that the test can kill -9; env adds
// variables such as CHILD_STREAM_SLOT.
func startChild(t *testing.T, dbURL, key string, env ...string) *exec.Cmd {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run", "^$")
	child.Env = append(append(os.Environ(), childEnv+"=1", "CHILD_DATABASE_URL="+dbURL, "CHILD_SECRET_KEY="+key), env...)
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	return child
}

func TestKillDuringBackfillLosesNothingAndDuplicatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	t.Parallel()
	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 3000, RandSeed: 3, Latency: 15 * time.Millisecond})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	b := &syncBundle{db: pgtest.NewDB(t), emu: emu, url: url, key: secret.GenerateKey(), reg: reg}
	ctx := context.Background()

	// Migrate and publish the catalogue with an in-process sidecar, then hand over to a child process.
	first := b.start(t)
	first.Stop(ctx)
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'main', ARRAY['stripe:customer', 'stripe:charge'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)),
		rate_limit => '{"allowed_requests": 10000, "interval": 1000}',
		options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 500))::text`, goodKey, url).Scan(&b.syncID))

	child := startChild(t, b.db.URL, b.key)

	require.Eventually(t, func() bool {
		var pages int
		_ = b.db.Pool.QueryRow(ctx, `SELECT min(backfill_pages) FROM sequin.sync_collections WHERE sync_id = $1`, b.syncID).Scan(&pages)
		return pages >= 4
	}, 60*time.Second, 10*time.Millisecond, "the child backfills")
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	var pagesAtKill int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sum(backfill_pages) FROM sequin.sync_collections WHERE sync_id = $1`, b.syncID).Scan(&pagesAtKill))
	require.Less(t, pagesAtKill, 60, "killed mid-backfill")

	b.sc = b.start(t)
	b.waitLive(t, 90*time.Second)
	require.True(t, b.tableMatchesUpstream(t, "customer", "customer"))
	require.True(t, b.tableMatchesUpstream(t, "charge", "charge"))
	require.Equal(t, map[string]int{"inserted": 3000}, b.eventCounts(t, "stripe:customer"), "exactly one event per record")
	require.Equal(t, map[string]int{"inserted": 3000}, b.eventCounts(t, "stripe:charge"))
}
