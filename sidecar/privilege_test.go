package sidecar_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// TestLeastPrivilegeRole runs the sidecar as the role the README documents: LOGIN and REPLICATION, and
// CREATE on the one database, nothing else. It installs its schema, syncs and applies a mutation.
func TestLeastPrivilegeRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close(context.WithoutCancel(ctx)) })
	role := fmt.Sprintf("sequin_lp_%d", os.Getpid())
	_, err = admin.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s LOGIN REPLICATION`, role))
	require.NoError(t, err)
	// Registered before the database, so it runs after the database is dropped.
	t.Cleanup(func() { _, _ = admin.Exec(context.WithoutCancel(ctx), fmt.Sprintf(`DROP ROLE %s`, role)) })
	db := pgtest.NewEmptyDB(t)
	_, err = admin.Exec(ctx, fmt.Sprintf(`GRANT CREATE ON DATABASE %s TO %s`, pgx.Identifier{db.Name}.Sanitize(), role))
	require.NoError(t, err)
	var super bool
	require.NoError(t, admin.QueryRow(ctx, `SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = $1`, role).Scan(&super))
	require.False(t, super)

	u, err := url.Parse(db.URL)
	require.NoError(t, err)
	u.User = url.User(role)
	asRole := u.String()

	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 20, RandSeed: 5})
	base, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: asRole, Listen: "-", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, sc.Start(ctx))
	t.Cleanup(func() { sc.Stop(context.Background()) })

	pool, err := pgxpool.New(ctx, asRole)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	var syncID string
	require.NoError(t, pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'lp', ARRAY['customer'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text)),
		options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 300))::text`, goodKey, base).Scan(&syncID))
	require.Eventually(t, func() bool {
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM stripe.customer`).Scan(&n)
		return n == 20
	}, 30*time.Second, 50*time.Millisecond)
	var m, status string
	require.NoError(t, pool.QueryRow(ctx, `SELECT sequin.mutate($1::uuid, 'customer', 'create', '{"email": "lp@example.com"}')::text`, syncID).Scan(&m))
	require.NoError(t, pool.QueryRow(ctx, `SELECT status FROM sequin.await_mutation($1::uuid, 10000)`, m).Scan(&status))
	require.Equal(t, "succeeded", status)
	var owner string
	require.NoError(t, pool.QueryRow(ctx, `SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'sequin'`).Scan(&owner))
	require.Equal(t, role, owner)
}
