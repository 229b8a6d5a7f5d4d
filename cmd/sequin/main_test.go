package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers/all"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestRotateKey: rotate-key re-encrypts every credential with the new key, after which the old key is
// no longer needed, and a wrong previous key changes nothing.
func TestRotateKey(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	oldKey, newKey := secret.GenerateKey(), secret.GenerateKey()
	oldRing, err := secret.NewKeyring(oldKey)
	require.NoError(t, err)
	newRing, err := secret.NewKeyring(newKey)
	require.NoError(t, err)

	// Two credentials sealed with the old key, as a sidecar running with it would.
	reg, err := all.Registry()
	require.NoError(t, err)
	require.NoError(t, sqlapi.PublishCatalog(ctx, db.Pool, reg))
	var ids []string
	for _, k := range []string{"sk_test_rotate_1", "sk_test_rotate_2"} {
		var id string
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_credential('stripe', jsonb_build_object('secret', $1::text))::text`, k).Scan(&id))
		ids = append(ids, id)
	}
	n, err := (&sqlapi.Credentials{Pool: db.Pool, Keys: oldRing}).SealPending(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)

	// A previous key that is not the one used: nothing changes, and the error says so.
	t.Setenv("SEQUIN_SECRET_KEY", newKey)
	t.Setenv("SEQUIN_PREVIOUS_SECRET_KEYS", secret.GenerateKey())
	var out bytes.Buffer
	err = run(ctx, []string{"rotate-key", "--database-url", db.URL}, &out)
	require.ErrorContains(t, err, "nothing was changed")
	_, err = (&sqlapi.Credentials{Pool: db.Pool, Keys: oldRing}).Load(ctx, db.Pool, ids[0])
	require.NoError(t, err, "still sealed with the old key")

	t.Setenv("SEQUIN_PREVIOUS_SECRET_KEYS", " "+oldKey+" ,")
	out.Reset()
	require.NoError(t, run(ctx, []string{"rotate-key", "--database-url", db.URL}, &out))
	require.Contains(t, out.String(), "re-encrypted 2 credential(s) with key "+newRing.PrimaryID())
	for i, id := range ids {
		c, err := (&sqlapi.Credentials{Pool: db.Pool, Keys: newRing}).Load(ctx, db.Pool, id)
		require.NoError(t, err, "opened with the new key alone")
		require.Equal(t, []string{"sk_test_rotate_1", "sk_test_rotate_2"}[i], c.String("secret"))
		_, err = (&sqlapi.Credentials{Pool: db.Pool, Keys: oldRing}).Load(ctx, db.Pool, id)
		require.Error(t, err, "the old key no longer opens it")
	}

	// Running it again is a no-op.
	out.Reset()
	require.NoError(t, run(ctx, []string{"rotate-key", "--database-url", db.URL}, &out))
	require.Contains(t, out.String(), "re-encrypted 0 credential(s)")
}
