package sidecar_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers/stripe/emulator"
)

type mutationRow struct {
	Status, UpstreamID string
	Error              *string
	Result             map[string]any
	Attempts           int
}

func (b *syncBundle) mutate(t *testing.T, kind, upstreamID string, data string) string {
	t.Helper()
	var id string
	var up any
	if upstreamID != "" {
		up = upstreamID
	}
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT sequin.mutate($1, 'customer', $2, $3::jsonb, $4)::text`,
		b.syncID, kind, data, up).Scan(&id))
	return id
}

func (b *syncBundle) await(t *testing.T, id string) mutationRow {
	t.Helper()
	var m mutationRow
	var up *string
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT status, upstream_id, error, result, attempts FROM sequin.await_mutation($1, 15000)`, id).
		Scan(&m.Status, &up, &m.Error, &m.Result, &m.Attempts))
	if up != nil {
		m.UpstreamID = *up
	}
	return m
}

func TestMutationsRoundTripThroughStripe(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 20, collections: []string{"stripe:customer"}, pollMS: 400})
	b.waitLive(t, 30*time.Second)
	ctx := context.Background()

	// Create, with a nested field given by column name (metadata is a column) and API names.
	m := b.await(t, b.mutate(t, "create", "", `{"email": "ada@example.com", "name": "Ada", "metadata": {"tier": "gold"}}`))
	require.Equal(t, "succeeded", m.Status, "%v", m.Error)
	require.NotEmpty(t, m.UpstreamID)
	up, ok := b.emu.Get("customer", m.UpstreamID)
	require.True(t, ok)
	require.Equal(t, "ada@example.com", up["email"])
	require.Equal(t, map[string]any{"tier": "gold"}, up["metadata"])
	// Read your writes: the row is there right away, with exactly one event.
	var email string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT email FROM stripe.customer WHERE id = $1`, m.UpstreamID).Scan(&email))
	require.Equal(t, "ada@example.com", email)

	m = b.await(t, b.mutate(t, "update", m.UpstreamID, `{"name": "Ada L.", "metadata": {"tier": "platinum", "since": "2024"}}`))
	require.Equal(t, "succeeded", m.Status, "%v", m.Error)
	up, _ = b.emu.Get("customer", m.UpstreamID)
	require.Equal(t, "Ada L.", up["name"])
	require.Equal(t, map[string]any{"tier": "platinum", "since": "2024"}, up["metadata"])
	var name string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT name FROM stripe.customer WHERE id = $1`, m.UpstreamID).Scan(&name))
	require.Equal(t, "Ada L.", name)

	id := m.UpstreamID
	m = b.await(t, b.mutate(t, "delete", id, `{}`))
	require.Equal(t, "succeeded", m.Status, "%v", m.Error)
	var n int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM stripe.customer WHERE id = $1`, id).Scan(&n))
	require.Zero(t, n)

	// Polls that see the same changes upstream add no duplicate events.
	var polled time.Time
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT last_polled_at FROM sequin.sync_collections`).Scan(&polled))
	require.Eventually(t, func() bool {
		var now time.Time
		_ = b.db.Pool.QueryRow(ctx, `SELECT last_polled_at FROM sequin.sync_collections`).Scan(&now)
		return now.After(polled.Add(time.Second))
	}, 10*time.Second, 50*time.Millisecond)
	rows, err := b.db.Pool.Query(ctx, `SELECT event FROM sequin.events WHERE upstream_id = $1 ORDER BY seq`, id)
	require.NoError(t, err)
	var evs []string
	for rows.Next() {
		var e string
		require.NoError(t, rows.Scan(&e))
		evs = append(evs, e)
	}
	require.Equal(t, []string{"inserted", "updated", "deleted"}, evs)
}

func TestMutationLostResponseMakesOneObject(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 5, collections: []string{"stripe:customer"}})
	b.waitLive(t, 30*time.Second)
	before := b.emu.Count("customer")
	// The first create is applied upstream but its answer is lost.
	b.emu.InjectFault(emulator.Fault{Method: "POST", PathPrefix: "/v1/customers", Status: 500, AfterApply: true, Count: 1})
	m := b.await(t, b.mutate(t, "create", "", `{"email": "once@example.com"}`))
	require.Equal(t, "succeeded", m.Status, "%v", m.Error)
	require.Equal(t, before+1, b.emu.Count("customer"), "exactly one object upstream")
	require.GreaterOrEqual(t, m.Attempts, 1)
}

func TestMutationRejectedByTheAPIFails(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 5, collections: []string{"stripe:customer"}})
	b.waitLive(t, 30*time.Second)
	m := b.await(t, b.mutate(t, "update", "cus_doesnotexist", `{"name": "x"}`))
	require.Equal(t, "failed", m.Status)
	require.NotNil(t, m.Error)
	require.Contains(t, *m.Error, "No such customer")
	m = b.await(t, b.mutate(t, "create", "", `{"colour": "blue"}`))
	require.Equal(t, "failed", m.Status)
	require.Contains(t, *m.Error, "unknown parameter", "the API's message")
	require.Equal(t, 1, m.Attempts, "invalid requests are not retried")
}

func TestMutationWrittenWhileSidecarIsDownIsAppliedOnStart(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 5, collections: []string{"stripe:customer"}})
	b.waitLive(t, 30*time.Second)
	b.sc.Stop(context.Background())
	id := b.mutate(t, "create", "", `{"email": "offline@example.com"}`)
	var status string
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT status FROM sequin.mutations WHERE id = $1`, id).Scan(&status))
	require.Equal(t, "pending", status)
	b.sc = b.start(t)
	m := b.await(t, id)
	require.Equal(t, "succeeded", m.Status, "%v", m.Error)
}

func TestMutationValidationErrors(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 1, collections: []string{"stripe:customer"}})
	ctx := context.Background()
	for _, tc := range []struct{ sql, want string }{
		{`INSERT INTO sequin.mutations (sync_id, collection_id, kind, data) VALUES ('00000000-0000-0000-0000-000000000000', 'customer', 'create', '{}')`, "sync_id: no sync"},
		{`INSERT INTO sequin.mutations (sync_id, collection_id, kind, data) VALUES ($1, 'charge', 'create', '{}')`, "does not sync 'charge'"},
		{`INSERT INTO sequin.mutations (sync_id, collection_id, kind, data) VALUES ($1, 'customer', 'upsert', '{}')`, "kind must be create, update or delete"},
		{`INSERT INTO sequin.mutations (sync_id, collection_id, kind, data) VALUES ($1, 'customer', 'update', '{}')`, "upstream_id is required for update"},
		{`INSERT INTO sequin.mutations (sync_id, collection_id, kind, data) VALUES ($1, 'customer', 'create', '[1]')`, "data must be a JSON object"},
		{`SELECT * FROM sequin.await_mutation(sequin.mutate($1, 'customer', 'create', '{}'))`, "commit it first"},
	} {
		var err error
		if tc.sql[0] == 'I' && !containsParam(tc.sql) {
			_, err = b.db.Pool.Exec(ctx, tc.sql)
		} else {
			_, err = b.db.Pool.Exec(ctx, tc.sql, b.syncID)
		}
		require.ErrorContains(t, err, tc.want)
	}
}

func containsParam(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '$' && s[i+1] == '1' {
			return true
		}
	}
	return false
}
