package sidecar_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/shopify"
	shopifyemu "github.com/sequinsync/sequin/providers/shopify/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// TestSweepFindsDeletesTheChangeFeedMisses: Shopify's customers have an updated-since feed that never
// reports deletes; a periodic sweep finds them, while polling keeps following changes.
func TestSweepFindsDeletesTheChangeFeedMisses(t *testing.T) {
	t.Parallel()
	const token = "shpat_00000000000000000000000000000043"
	emu := shopifyemu.New(shopifyemu.Config{Seed: 30, Shop: "sweep.myshopify.com", AccessTokens: []string{token}})
	base, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(shopify.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "-", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	ctx := context.Background()
	var syncID string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('shopify', 'sweep', ARRAY['customers'],
		sequin.create_credential('shopify', jsonb_build_object('kind', 'shopify_custom_app', 'access_token', $1::text, 'shop', 'sweep.myshopify.com')),
		options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 200, 'sweep_interval_ms', 1000))::text`, token, base).Scan(&syncID))
	count := func() int {
		var n int
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM shopify.customers`).Scan(&n)
		return n
	}
	require.Eventually(t, func() bool { return count() == 30 }, 30*time.Second, 20*time.Millisecond)

	ids := emu.IDs("customers")
	require.NoError(t, emu.Delete("customers", ids[0]))
	_, err = emu.Update("customers", ids[1], map[string]any{"note": "still here"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var deleted, updated int
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE event = 'deleted' AND upstream_id = $1),
			count(*) FILTER (WHERE event = 'updated' AND upstream_id = $2) FROM sequin.events`, ids[0], ids[1]).Scan(&deleted, &updated)
		return deleted == 1 && updated == 1
	}, 20*time.Second, 20*time.Millisecond, "the sweep reports the delete, the feed the update")
	require.Equal(t, 29, count())
	time.Sleep(1500 * time.Millisecond) // another sweep: nothing more is deleted or re-emitted
	var events int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events WHERE event <> 'inserted'`).Scan(&events))
	require.Equal(t, 2, events)
}
