package sidecar_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sqlapi/pgcluster"
)

// A native subscriber on another PostgreSQL receives a synced table through the publication
// sequin_records: its rows, then inserts, updates and deletes as the sync applies them. New synced
// tables join the publication as they are created.
func TestNativeSubscriberReceivesSyncedTables(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second PostgreSQL cluster")
	}
	t.Parallel()
	b := setupStream(t, emulator.Config{Seed: 60, RandSeed: 3})
	b.noStream = true
	b.startSidecar(t)
	ctx := context.Background()
	b.createSync(t, "stripe:customer")
	b.waitLive(t, 60*time.Second)
	require.Eventually(t, func() bool { return inPublication(t, b.db.Pool, "stripe", "customer") }, 10*time.Second, 20*time.Millisecond)

	// The subscriber: a second cluster with the same table.
	dir, err := os.MkdirTemp("", "sequin-subscriber-")
	require.NoError(t, err)
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cluster, err := pgcluster.Start(startCtx, dir, 0)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cluster.Stop(context.Background())
		_ = os.RemoveAll(dir)
	})
	sub, err := pgxpool.New(ctx, cluster.URL)
	require.NoError(t, err)
	t.Cleanup(sub.Close)
	_, err = sub.Exec(ctx, `CREATE SCHEMA stripe`)
	require.NoError(t, err)
	_, err = sub.Exec(ctx, tableDDL(t, b.db.Pool, "stripe", "customer"))
	require.NoError(t, err)

	// Creating the subscription creates its slot on the primary, which waits for a record of running
	// transactions; checkpoints write one at once.
	name := "sub_" + strings.TrimPrefix(b.db.Name, "sequin_test_")
	nudge, stopNudge := context.WithCancel(ctx)
	go func() {
		for nudge.Err() == nil {
			_, _ = b.db.Pool.Exec(nudge, "CHECKPOINT")
			time.Sleep(300 * time.Millisecond)
		}
	}()
	_, err = sub.Exec(ctx, fmt.Sprintf(`CREATE SUBSCRIPTION %s CONNECTION '%s' PUBLICATION sequin_records`, name, b.db.URL))
	stopNudge()
	require.NoError(t, err)
	t.Cleanup(func() {
		// Dropping the subscription drops its slot on the primary.
		_, _ = sub.Exec(context.Background(), `DROP SUBSCRIPTION `+name)
	})

	same := func() bool {
		want := tableRows(t, b.db.Pool)
		got := tableRows(t, sub)
		if len(got) != len(want) {
			return false
		}
		for id, data := range want {
			if got[id] != data {
				return false
			}
		}
		return true
	}
	require.Eventually(t, same, 30*time.Second, 50*time.Millisecond, "the subscriber copied the table")
	b.changeUpstream(t, 1)
	require.Eventually(t, same, 30*time.Second, 50*time.Millisecond, "inserts, updates and deletes reach the subscriber")

	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.add_collections($1, ARRAY['stripe:product'])`, b.syncID)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return inPublication(t, b.db.Pool, "stripe", "product") }, 20*time.Second, 20*time.Millisecond,
		"a new synced table joins the publication")
}

func inPublication(t *testing.T, pool *pgxpool.Pool, schema, table string) bool {
	t.Helper()
	var ok bool
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_publication_tables
		WHERE pubname = 'sequin_records' AND schemaname = $1 AND tablename = $2)`, schema, table).Scan(&ok))
	return ok
}

// tableDDL writes a CREATE TABLE with the columns and primary key of a table of the primary.
func tableDDL(t *testing.T, pool *pgxpool.Pool, schema, table string) string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
		FROM pg_attribute a WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, schema, table)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return fmt.Sprintf("CREATE TABLE %s.%s (%s, PRIMARY KEY (id))", schema, table, strings.Join(cols, ", "))
}

// tableRows maps the ids of stripe.customer to their data.
func tableRows(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, _data::text FROM stripe.customer`)
	require.NoError(t, err)
	out := map[string]string{}
	var id, data string
	_, err = pgx.ForEachRow(rows, []any{&id, &data}, func() error {
		out[id] = data
		return nil
	})
	require.NoError(t, err)
	return out
}
