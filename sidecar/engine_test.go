package sidecar_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/emulatorkit"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

const goodKey = "sk_test_engine_good"

// syncBundle is a running sidecar syncing a Stripe emulator into a fresh database.
type syncBundle struct {
	db     *pgtest.DB
	emu    *emulator.Server
	url    string
	key    string
	reg    *providers.Registry
	sc     *sidecar.Sidecar
	syncID string
}

type syncOpts struct {
	seed        int
	collections []string
	apiKey      string
	pollMS      int
}

func setupSync(t *testing.T, o syncOpts) *syncBundle {
	t.Helper()
	if o.apiKey == "" {
		o.apiKey = goodKey
	}
	if o.pollMS == 0 {
		o.pollMS = 300
	}
	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: o.seed, RandSeed: 7})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	b := &syncBundle{db: pgtest.NewDB(t), emu: emu, url: url, key: secret.GenerateKey(), reg: reg}
	b.sc = b.start(t)
	ctx := context.Background()
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'main', $1,
		sequin.create_credential('stripe', jsonb_build_object('secret', $2::text)),
		rate_limit => '{"allowed_requests": 10000, "interval": 1000}',
		options => jsonb_build_object('base_url', $3::text, 'poll_interval_ms', $4::int))::text`,
		o.collections, o.apiKey, url, o.pollMS).Scan(&b.syncID))
	return b
}

func (b *syncBundle) start(t *testing.T) *sidecar.Sidecar {
	t.Helper()
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: b.db.URL, Listen: "-", SecretKey: b.key, Registry: b.reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReconcileEvery: 2 * time.Second,
		HeartbeatEvery: time.Second,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, sc.Start(ctx))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	return sc
}

func (b *syncBundle) waitLive(t *testing.T, timeout time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		var notLive int
		err := b.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.sync_collections WHERE sync_id = $1 AND state <> 'live'`, b.syncID).Scan(&notLive)
		return err == nil && notLive == 0
	}, timeout, 50*time.Millisecond, "backfill did not finish")
}

// tableMatchesUpstream compares the synced table with the emulator's objects: same ids, same content.
func (b *syncBundle) tableMatchesUpstream(t *testing.T, objectType, table string) bool {
	t.Helper()
	rows, err := b.db.Pool.Query(context.Background(), fmt.Sprintf(`SELECT id, _data FROM stripe.%s`, table))
	require.NoError(t, err)
	got := map[string]map[string]any{}
	for rows.Next() {
		var id string
		var data map[string]any
		require.NoError(t, rows.Scan(&id, &data))
		got[id] = data
	}
	require.NoError(t, rows.Err())
	want := map[string]map[string]any{}
	for _, obj := range b.emu.List(objectType) {
		raw, _ := json.Marshal(obj)
		var norm map[string]any
		require.NoError(t, json.Unmarshal(raw, &norm))
		want[norm["id"].(string)] = norm
	}
	if len(got) != len(want) {
		return false
	}
	for id, w := range want {
		if g, ok := got[id]; !ok || !jsonEqual(g, w) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func (b *syncBundle) eventCounts(t *testing.T, collectionID string) map[string]int {
	t.Helper()
	rows, err := b.db.Pool.Query(context.Background(), `SELECT event, count(*) FROM sequin.events WHERE collection_id = $1 GROUP BY 1`, collectionID)
	require.NoError(t, err)
	out := map[string]int{}
	for rows.Next() {
		var e string
		var n int
		require.NoError(t, rows.Scan(&e, &n))
		out[e] = n
	}
	return out
}

func TestBackfillLandsExactlyTheUpstreamObjects(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 2000, collections: []string{"stripe:customer", "stripe:product", "stripe:invoice"}})
	b.waitLive(t, 90*time.Second)
	for _, c := range []struct{ typ, table string }{{"customer", "customer"}, {"product", "product"}, {"invoice", "invoice"}} {
		require.True(t, b.tableMatchesUpstream(t, c.typ, c.table), "%s matches upstream", c.typ)
		require.Equal(t, map[string]int{"inserted": 2000}, b.eventCounts(t, "stripe:"+c.typ), "one event per record")
	}
	var dupes int
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM (SELECT upstream_id FROM sequin.events
		GROUP BY collection_id, upstream_id HAVING count(*) > 1) d`).Scan(&dupes))
	require.Zero(t, dupes)

	var records, pages int64
	var percent float64
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT records, backfill_pages, backfill_percent::float8
		FROM sequin.sync_status WHERE collection_id = 'stripe:customer'`).Scan(&records, &pages, &percent))
	require.Equal(t, int64(2000), records)
	require.GreaterOrEqual(t, pages, int64(20), "100 per page")
	require.Equal(t, 100.0, percent)
	var viaView int
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.records WHERE collection_id = 'stripe:customer'`).Scan(&viaView))
	require.Equal(t, 2000, viaView)
}

func TestChangesAfterBackfillArriveWithinAPollInterval(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 300, collections: []string{"stripe:customer"}, pollMS: 500})
	b.waitLive(t, 60*time.Second)
	all := b.emu.List("customer")
	sort.Slice(all, func(i, j int) bool { return all[i]["id"].(string) < all[j]["id"].(string) })

	for i := 0; i < 5; i++ {
		_, err := b.emu.Update("customer", all[i]["id"].(string), map[string]any{"name": fmt.Sprintf("Renamed %d", i), "metadata": map[string]any{"tier": "gold"}})
		require.NoError(t, err)
	}
	for i := 5; i < 8; i++ {
		require.NoError(t, b.emu.Delete("customer", all[i]["id"].(string)))
	}
	for i := 0; i < 4; i++ {
		_, err := b.emu.Create("customer", map[string]any{"email": fmt.Sprintf("new%d@example.com", i), "name": "New"})
		require.NoError(t, err)
	}
	changedAt := time.Now()
	require.Eventually(t, func() bool { return b.tableMatchesUpstream(t, "customer", "customer") }, 10*time.Second, 50*time.Millisecond)
	t.Logf("changes visible %v after they were made (poll interval 500ms)", time.Since(changedAt))
	require.Equal(t, map[string]int{"inserted": 304, "updated": 5, "deleted": 3}, b.eventCounts(t, "stripe:customer"))

	var prev, data map[string]any
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT previous_data, data FROM sequin.events
		WHERE event = 'updated' AND upstream_id = $1`, all[0]["id"]).Scan(&prev, &data))
	require.Equal(t, all[0]["name"], prev["name"], "previous_data has the prior name")
	require.Equal(t, "Renamed 0", data["name"])
	require.NotContains(t, prev, "email", "unchanged fields are not in previous_data")

	// Quiet upstream: further polls emit nothing.
	var before int
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.events`).Scan(&before))
	var polled time.Time
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT last_polled_at FROM sequin.sync_collections`).Scan(&polled))
	require.Eventually(t, func() bool {
		var now time.Time
		_ = b.db.Pool.QueryRow(context.Background(), `SELECT last_polled_at FROM sequin.sync_collections`).Scan(&now)
		return now.After(polled.Add(time.Second))
	}, 10*time.Second, 50*time.Millisecond)
	var after int
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.events`).Scan(&after))
	require.Equal(t, before, after)
}

func TestBadCredentialNeedsCustomerAndRecoversWhenFixed(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 150, collections: []string{"stripe:customer"}, apiKey: "sk_test_wrong"})
	ctx := context.Background()
	var msg string
	require.Eventually(t, func() bool {
		var health string
		_ = b.db.Pool.QueryRow(ctx, `SELECT health, coalesce(health_message, '') FROM sequin.syncs WHERE id = $1`, b.syncID).Scan(&health, &msg)
		return health == "customer_intervention"
	}, 20*time.Second, 50*time.Millisecond)
	require.Contains(t, msg, "Invalid API Key", "the upstream message is shown")
	require.NotContains(t, msg, "sk_test_wrong", "never the secret itself")
	var credHealth string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT c.health FROM sequin.credentials c JOIN sequin.syncs s ON s.credential_id = c.id WHERE s.id = $1`, b.syncID).Scan(&credHealth))
	require.Equal(t, "customer_intervention", credHealth)

	_, err := b.db.Pool.Exec(ctx, `SELECT sequin.update_credential(credential_id, jsonb_build_object('secret', $2::text)) FROM sequin.syncs WHERE id = $1`, b.syncID, goodKey)
	require.NoError(t, err)
	b.waitLive(t, 30*time.Second)
	require.True(t, b.tableMatchesUpstream(t, "customer", "customer"))
	var health string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT health FROM sequin.syncs WHERE id = $1`, b.syncID).Scan(&health))
	require.Equal(t, "healthy", health)
}

func TestMalformedUpstreamKeepsLastGoodData(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 120, collections: []string{"stripe:customer"}, pollMS: 300})
	b.waitLive(t, 30*time.Second)
	ctx := context.Background()
	b.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: "/v1/events", Status: 200, Body: `{"object":"list","data":[{"id":`, Count: 1000})
	require.Eventually(t, func() bool {
		var health string
		_ = b.db.Pool.QueryRow(ctx, `SELECT health FROM sequin.syncs WHERE id = $1`, b.syncID).Scan(&health)
		return health == "sequin_intervention"
	}, 20*time.Second, 50*time.Millisecond)
	var n int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM stripe.customer`).Scan(&n))
	require.Equal(t, 120, n, "the last good data stays")
}

func TestPauseResumeAddCollectionsResyncDrop(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 100, collections: []string{"stripe:customer"}, pollMS: 300})
	b.waitLive(t, 30*time.Second)
	ctx := context.Background()

	_, err := b.db.Pool.Exec(ctx, `SELECT sequin.pause_sync($1)`, b.syncID)
	require.NoError(t, err)
	time.Sleep(time.Second) // let a poll in flight finish
	_, err = b.emu.Create("customer", map[string]any{"email": "while-paused@example.com"})
	require.NoError(t, err)
	time.Sleep(1500 * time.Millisecond) // several poll intervals: nothing may arrive while paused
	var n int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM stripe.customer WHERE _data->>'email' = 'while-paused@example.com'`).Scan(&n))
	require.Zero(t, n, "a paused sync does not poll")

	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.resume_sync($1)`, b.syncID)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return b.tableMatchesUpstream(t, "customer", "customer") }, 10*time.Second, 50*time.Millisecond)

	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.add_collections($1, ARRAY['stripe:product'])`, b.syncID)
	require.NoError(t, err)
	b.waitLive(t, 30*time.Second)
	require.True(t, b.tableMatchesUpstream(t, "product", "product"))
	require.Equal(t, map[string]int{"inserted": 101}, b.eventCounts(t, "stripe:customer"), "adding a collection does not touch the others")

	// Resync re-lists; unchanged records produce no events, records gone upstream are deleted.
	_, err = b.db.Pool.Exec(ctx, `INSERT INTO stripe.customer (id, _data, _sync_id) VALUES ('cus_ghost', '{"id":"cus_ghost"}', $1)`, b.syncID)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.resync($1, 'stripe:customer')`, b.syncID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var gen int
		var state string
		_ = b.db.Pool.QueryRow(ctx, `SELECT generation, state FROM sequin.sync_collections WHERE sync_id = $1 AND collection_id = 'stripe:customer'`, b.syncID).Scan(&gen, &state)
		return gen == 2 && state == "live"
	}, 30*time.Second, 50*time.Millisecond)
	require.True(t, b.tableMatchesUpstream(t, "customer", "customer"))
	require.Equal(t, map[string]int{"inserted": 101, "deleted": 1}, b.eventCounts(t, "stripe:customer"))

	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.drop_sync($1, drop_tables => true)`, b.syncID)
	require.NoError(t, err)
	var exists bool
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT to_regclass('stripe.customer') IS NOT NULL`).Scan(&exists))
	require.False(t, exists)
	require.Eventually(t, func() bool {
		var live int
		_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.river_job WHERE kind IN ('sequin.backfill', 'sequin.poll')
			AND state IN ('available', 'running', 'scheduled', 'retryable')`).Scan(&live)
		return live == 0
	}, 10*time.Second, 50*time.Millisecond, "jobs of a dropped sync end")
}

var _ = pgx.ErrNoRows

// TestWebhookTriggersImmediateRefetch: with polling far away, a signed webhook from the emulator
// brings an upstream change into the table and the event stream in well under a second.
func TestWebhookTriggersImmediateRefetch(t *testing.T) {
	t.Parallel()
	const whsec = "whsec_engine_test"
	forward, target := newWebhookForwarder(t)
	emu := emulator.New(emulator.Config{APIKeys: []string{goodKey}, Seed: 50, RandSeed: 9, WebhookURL: forward, WebhookSecret: whsec})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	b := &syncBundle{db: pgtest.NewDB(t), emu: emu, url: url, key: secret.GenerateKey(), reg: reg}
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: b.db.URL, Listen: "127.0.0.1:0", SecretKey: b.key, Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	ctx := context.Background()
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'hooks', ARRAY['stripe:customer'],
		sequin.create_credential('stripe', jsonb_build_object('secret', $1::text, 'webhook_secret', $2::text)),
		options => jsonb_build_object('base_url', $3::text, 'poll_interval_ms', 600000))::text`, goodKey, whsec, url).Scan(&b.syncID))
	b.waitLive(t, 30*time.Second)
	target("http://" + sc.Addr + "/webhooks/" + b.syncID)

	// A forged webhook is refused.
	resp, err := http.Post("http://"+sc.Addr+"/webhooks/"+b.syncID, "application/json", strings.NewReader(`{"type":"customer.updated"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	var lags []time.Duration
	for i := 0; i < 5; i++ {
		id := b.emu.List("customer")[i]["id"].(string)
		changed := time.Now()
		_, err := b.emu.Update("customer", id, map[string]any{"name": fmt.Sprintf("Hooked %d", i)})
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			var n int
			_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events WHERE event = 'updated' AND upstream_id = $1`, id).Scan(&n)
			return n == 1
		}, 5*time.Second, 5*time.Millisecond)
		lags = append(lags, time.Since(changed))
	}
	t.Logf("webhook change-to-event lags: %v", lags)
	for _, l := range lags {
		require.Less(t, l, time.Second)
	}
}

// newWebhookForwarder serves an address an emulator can be told to send webhooks to before the
// sidecar's receiver URL is known (it names the sync).
func newWebhookForwarder(t *testing.T) (url string, target func(string)) {
	t.Helper()
	var fwd emulatorkit.Forwarder
	srv := httptest.NewServer(&fwd)
	t.Cleanup(srv.Close)
	return srv.URL, fwd.SetTarget
}

// A poll asked for while a poll runs (PollNow, as a webhook that names no object asks) runs once that
// poll is done, although that poll's commit comes after the request: what it fetched may predate the
// change the request announced.
func TestPollNowWhileAPollRuns(t *testing.T) {
	t.Parallel()
	b := setupSync(t, syncOpts{seed: 20, collections: []string{"stripe:customer"}, pollMS: 600_000})
	b.waitLive(t, 30*time.Second)
	ctx := context.Background()
	require.Eventually(t, func() bool {
		var polled bool
		err := b.db.Pool.QueryRow(ctx, `SELECT last_polled_at IS NOT NULL FROM sequin.sync_collections WHERE sync_id = $1`, b.syncID).Scan(&polled)
		return err == nil && polled
	}, 30*time.Second, 20*time.Millisecond, "the first poll after the backfill")

	// The next changes request is answered as of its arrival, two seconds late.
	b.emu.InjectFault(emulator.Fault{Method: http.MethodGet, PathPrefix: "/v1/events", AfterApply: true, Delay: 2 * time.Second})
	require.NoError(t, b.sc.Engine.PollNow(ctx, b.syncID, []string{"stripe:customer"}))
	require.Eventually(t, func() bool { return b.emu.PendingFaults() == 0 }, 10*time.Second, time.Millisecond, "the poll asks for changes")
	time.Sleep(100 * time.Millisecond) // the answer is made

	id := b.emu.List("customer")[2]["id"].(string)
	_, err := b.emu.Update("customer", id, map[string]any{"name": "Changed mid-poll"})
	require.NoError(t, err)
	require.NoError(t, b.sc.Engine.PollNow(ctx, b.syncID, []string{"stripe:customer"}))
	require.Eventually(t, func() bool {
		var n int
		_ = b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events WHERE event = 'updated' AND upstream_id = $1`, id).Scan(&n)
		return n == 1
	}, 10*time.Second, 10*time.Millisecond, "polled again after the poll in flight; the next poll is ten minutes off")
}
