package status_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/testprovider"
	"github.com/sequinsync/sequin/sidecar/status"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestPrintShowsProgressPerCollection(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	var buf bytes.Buffer
	require.NoError(t, status.Print(ctx, db.Pool, &buf))
	require.Contains(t, buf.String(), "no syncs yet")

	reg, err := providers.NewRegistry(testprovider.New())
	require.NoError(t, err)
	require.NoError(t, sqlapi.PublishCatalog(ctx, db.Pool, reg))
	var id string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('acme', 'shop', ARRAY['widget', 'gadget'],
		sequin.create_credential('acme', '{"api_key": "k"}'))::text`).Scan(&id))
	_, err = db.Pool.Exec(ctx, `UPDATE sequin.sync_collections SET state = 'backfilling', backfill_records = 250, backfill_total = 1000,
		records_count = 250 WHERE sync_id = $1 AND collection_id = 'acme:widget'`, id)
	require.NoError(t, err)
	_, err = db.Pool.Exec(ctx, `UPDATE sequin.sync_collections SET state = 'live', records_count = 7, last_polled_at = now()
		WHERE sync_id = $1 AND collection_id = 'acme:gadget'`, id)
	require.NoError(t, err)

	buf.Reset()
	require.NoError(t, status.Print(ctx, db.Pool, &buf))
	out := buf.String()
	require.Contains(t, out, "[#####...............]  25%", out)
	require.Contains(t, out, "[####################] 100%", out)
	require.Regexp(t, `shop\s+acme:widget\s+backfilling\s+250`, out)
	require.Regexp(t, `shop\s+acme:gadget\s+live\s+7`, out)

	_, err = db.Pool.Exec(ctx, `SELECT sequin.pause_sync($1)`, id)
	require.NoError(t, err)
	rows, err := status.Load(ctx, db.Pool)
	require.NoError(t, err)
	for _, r := range rows {
		require.Equal(t, "paused", r.State)
	}
}
