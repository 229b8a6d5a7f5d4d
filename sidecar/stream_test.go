package sidecar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sidecar/consume"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// streamBundle is a sidecar streaming a Stripe emulator's sync to consumers, on its own slot.
type streamBundle struct {
	*syncBundle
	slot string
	// noStream starts sidecars without the stream reader.
	noStream bool
}

func setupStream(t *testing.T, cfg emulator.Config) *streamBundle {
	t.Helper()
	cfg.APIKeys = []string{goodKey}
	emu := emulator.New(cfg)
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	b := &streamBundle{syncBundle: &syncBundle{db: db, emu: emu, url: url, key: secret.GenerateKey(), reg: reg},
		slot: "slot_" + strings.TrimPrefix(db.Name, "sequin_test_")}
	return b
}

// startSidecar starts a sidecar on the bundle's slot with its HTTP API, and waits until it streams.
func (b *streamBundle) startSidecar(t *testing.T) *sidecar.Sidecar {
	t.Helper()
	cfg := sidecar.Config{
		DatabaseURL: b.db.URL, Listen: "127.0.0.1:0", SecretKey: b.key, Registry: b.reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReconcileEvery: 2 * time.Second, HeartbeatEvery: time.Second,
		StreamSlot: b.slot, ConsumerPollInterval: 200 * time.Millisecond,
	}
	if b.noStream {
		cfg.StreamSlot = "-"
	}
	sc, err := sidecar.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, sc.Start(ctx))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	if !b.noStream {
		waitStreaming(t, b.db.Pool, sc)
	}
	return sc
}

// waitStreaming waits until the sidecar's reader streams. Creating a slot waits for the server's next
// record of running transactions (every 15s when busy); a checkpoint writes one at once.
func waitStreaming(t *testing.T, pool *pgxpool.Pool, sc *sidecar.Sidecar) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case <-sc.Stream.Ready():
			return
		case <-deadline:
			t.Fatal("the stream reader is not streaming after 30s")
		case <-time.After(300 * time.Millisecond):
			_, _ = pool.Exec(context.Background(), "CHECKPOINT")
		}
	}
}

func (b *streamBundle) createSync(t *testing.T, collections ...string) {
	t.Helper()
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT sequin.create_sync('stripe', 'main', $1,
		sequin.create_credential('stripe', jsonb_build_object('secret', $2::text)),
		rate_limit => '{"allowed_requests": 10000, "interval": 1000}',
		options => jsonb_build_object('base_url', $3::text, 'poll_interval_ms', 300))::text`,
		collections, goodKey, b.url).Scan(&b.syncID))
}

// changeUpstream updates, deletes and creates customers upstream and waits for the table to follow.
func (b *streamBundle) changeUpstream(t *testing.T, round int) {
	t.Helper()
	all := b.emu.List("customer")
	sort.Slice(all, func(i, j int) bool { return all[i]["id"].(string) < all[j]["id"].(string) })
	for i := 0; i < 4; i++ {
		_, err := b.emu.Update("customer", all[i]["id"].(string), map[string]any{"name": fmt.Sprintf("Round %d", round)})
		require.NoError(t, err)
	}
	require.NoError(t, b.emu.Delete("customer", all[len(all)-1]["id"].(string)))
	for i := 0; i < 3; i++ {
		_, err := b.emu.Create("customer", map[string]any{"email": fmt.Sprintf("r%d-%d@example.com", round, i), "name": "New"})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return b.tableMatchesUpstream(t, "customer", "customer") }, 20*time.Second, 50*time.Millisecond)
}

// eventSeqs returns the seqs of the sync's events.
func (b *streamBundle) eventSeqs(t *testing.T) []int64 {
	t.Helper()
	rows, err := b.db.Pool.Query(context.Background(), `SELECT seq FROM sequin.events WHERE sync_id = $1 ORDER BY seq`, b.syncID)
	require.NoError(t, err)
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	return seqs
}

// delivery is what a consumer received: seqs in arrival order, grouped per record.
type delivery struct {
	mu       sync.Mutex
	seen     map[int64]int
	byRecord map[string][]int64
}

func newDelivery() *delivery { return &delivery{seen: map[int64]int{}, byRecord: map[string][]int64{}} }

func (d *delivery) add(doc map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	seq := int64(doc["seq"].(float64))
	d.seen[seq]++
	key := doc["collection_id"].(string) + ":" + doc["upstream_id"].(string)
	d.byRecord[key] = append(d.byRecord[key], seq)
}

func (d *delivery) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

// check asserts that every event arrived, and each record's in order.
func (d *delivery) check(t *testing.T, what string, want []int64) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, seq := range want {
		require.Positive(t, d.seen[seq], "%s: event %d delivered", what, seq)
	}
	require.Len(t, d.seen, len(want), "%s: nothing but the sync's events", what)
	for key, seqs := range d.byRecord {
		require.True(t, sort.SliceIsSorted(seqs, func(i, j int) bool { return seqs[i] < seqs[j] }), "%s: %s in order: %v", what, key, seqs)
	}
}

// pullCall calls the pull API of an http_pull consumer and decodes its 200 answer.
func pullCall(base, token, consumer, path string, body any) (map[string]any, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, base+"/v1/http-consumers/"+consumer+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %v", path, resp.Status, out)
	}
	return out, nil
}

func pullPost(t *testing.T, base, token, consumer, path string, body any) map[string]any {
	t.Helper()
	out, err := pullCall(base, token, consumer, path, body)
	require.NoError(t, err)
	return out
}

// tryPull takes up to size messages of an http_pull consumer through the HTTP API, notes them in d
// and returns their ack tokens.
func tryPull(base, token, consumer string, size int, d *delivery) ([]string, error) {
	out, err := pullCall(base, token, consumer, "/next", map[string]any{"batch_size": size})
	if err != nil {
		return nil, err
	}
	tokens := []string{}
	for _, m := range out["data"].([]any) {
		msg := m.(map[string]any)
		d.add(msg["record"].(map[string]any))
		tokens = append(tokens, msg["ack_token"].(string))
	}
	return tokens, nil
}

func pullOnce(t *testing.T, base, token, consumer string, size int, d *delivery) []string {
	t.Helper()
	tokens, err := tryPull(base, token, consumer, size, d)
	require.NoError(t, err)
	return tokens
}

// keepPulling pulls and acks until the test ends; the error it returns is the first failure.
func keepPulling(t *testing.T, base, token, consumer string, d *delivery) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			tokens, err := tryPull(base, token, consumer, 100, d)
			if err == nil && len(tokens) > 0 {
				_, err = pullCall(base, token, consumer, "/ack", map[string]any{"ack_tokens": tokens})
			}
			if err != nil {
				done <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		done <- nil
	}()
	stop := sync.OnceValue(func() error {
		cancel()
		return <-done
	})
	t.Cleanup(func() { _ = stop() })
	return stop
}

// pullAll drains an http_pull consumer through the HTTP API.
func pullAll(t *testing.T, base, token, consumer string, d *delivery, want int) {
	t.Helper()
	require.Eventually(t, func() bool {
		if tokens := pullOnce(t, base, token, consumer, 100, d); len(tokens) > 0 {
			pullPost(t, base, token, consumer, "/ack", map[string]any{"ack_tokens": tokens})
		}
		return d.count() >= want
	}, 30*time.Second, 10*time.Millisecond, "pulled every event")
}

// An HTTP puller of the sidecar gets the stream's events straight from it, without the outbox.
// Messages it leaves unacknowledged go to the outbox when their batch closes, still out under their
// ack tokens, and the consumer is served from the outbox until it is drained.
func TestPullersGetEventsStraightFromTheStream(t *testing.T) {
	t.Parallel()
	b := setupStream(t, emulator.Config{Seed: 120, RandSeed: 17})
	sc := b.startSidecar(t)
	ctx := context.Background()
	base := "http://" + sc.Addr
	var pullID, token string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_consumer('pull', 'http_pull', ack_wait_ms => 60000)::text`).Scan(&pullID))
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_api_token('puller')`).Scan(&token))
	pull := newDelivery()
	require.Empty(t, pullOnce(t, base, token, pullID, 10, pull), "a puller calls before there is anything")

	b.createSync(t, "stripe:customer")
	// The first hand-out is kept and not acked.
	var held []string
	require.Eventually(t, func() bool {
		held = pullOnce(t, base, token, pullID, 25, pull)
		return len(held) > 0
	}, 30*time.Second, 5*time.Millisecond)
	b.waitLive(t, 60*time.Second)
	want := b.eventSeqs(t)
	require.Len(t, want, 120)
	require.Eventually(t, func() bool {
		if tokens := pullOnce(t, base, token, pullID, 50, pull); len(tokens) > 0 {
			pullPost(t, base, token, pullID, "/ack", map[string]any{"ack_tokens": tokens})
		}
		return pull.count() >= len(want)
	}, 30*time.Second, 5*time.Millisecond, "every event but the held ones arrives (%d of %d)", pull.count(), len(want))
	pull.check(t, "http_pull", want)

	// Once their batch closed, the held messages are in the outbox, out under the tokens they were
	// handed out with.
	var out, leased int
	require.Eventually(t, func() bool {
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE ack_token IS NOT NULL
			AND not_visible_until > now() + interval '50 seconds' AND deliver_count = 1 AND state = 'pending')
			FROM sequin.consumer_messages WHERE consumer_id = $1`, pullID).Scan(&out, &leased))
		return out > 0
	}, 10*time.Second, 20*time.Millisecond, "the held messages' batch closes")
	require.Equal(t, len(held), out, "only the held messages were left in the outbox")
	require.Equal(t, len(held), leased)
	acked := pullPost(t, base, token, pullID, "/ack", map[string]any{"ack_tokens": held})
	require.Equal(t, float64(len(held)), acked["acked"], "their tokens still count")

	// Drained: while a puller keeps calling, later changes go straight from the stream again.
	before := sc.Stream.Delivered()
	stop := keepPulling(t, base, token, pullID, pull)
	b.changeUpstream(t, 1)
	want = b.eventSeqs(t)
	require.Eventually(t, func() bool { return pull.count() >= len(want) }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, stop())
	pull.check(t, "http_pull", want)
	require.Positive(t, sc.Stream.Delivered()-before)
	var left int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.consumer_messages`).Scan(&left))
	require.Zero(t, left)
}

// Every consumer kind gets every event of a real sync (backfill and later changes), each record's
// events in order: HTTP pull through the API, a signed webhook, and Kafka.
func TestConsumersReceiveASync(t *testing.T) {
	t.Parallel()
	b := setupStream(t, emulator.Config{Seed: 150, RandSeed: 11})
	sc := b.startSidecar(t)
	ctx := context.Background()

	hook := newDelivery()
	var badSignatures int
	var hookMu sync.Mutex
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hookMu.Lock()
		defer hookMu.Unlock()
		if !consume.Verify("whsec", body, r.Header.Get(consume.SignatureHeader)) {
			badSignatures++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var payload struct{ Data []map[string]any }
		if err := json.Unmarshal(body, &payload); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, doc := range payload.Data {
			hook.add(doc)
		}
	}))
	t.Cleanup(receiver.Close)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	brokers, _ := json.Marshal(cluster.ListenAddrs())

	var pullID, token string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_consumer('pull', 'http_pull')::text`).Scan(&pullID))
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.create_consumer('hook', 'webhook', jsonb_build_object('url', $1::text, 'secret', 'whsec'))`, receiver.URL)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.create_consumer('kafka', 'kafka', jsonb_build_object('brokers', $1::jsonb))`, string(brokers))
	require.NoError(t, err)
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.create_api_token('puller')`).Scan(&token))

	b.createSync(t, "stripe:customer")
	b.waitLive(t, 60*time.Second)
	b.changeUpstream(t, 1)
	want := b.eventSeqs(t)
	require.Greater(t, len(want), 150)

	pull := newDelivery()
	pullAll(t, "http://"+sc.Addr, token, pullID, pull, len(want))
	pull.check(t, "http_pull", want)

	require.Eventually(t, func() bool { return hook.count() >= len(want) }, 30*time.Second, 20*time.Millisecond, "the webhook got every event")
	hook.check(t, "webhook", want)
	hookMu.Lock()
	require.Zero(t, badSignatures)
	hookMu.Unlock()

	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics("sequin.main"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	kafka := newDelivery()
	partitions := map[string]int32{}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for kafka.count() < len(want) {
		fs := cl.PollFetches(fctx)
		require.NoError(t, fctx.Err(), "kafka has %d of %d events", kafka.count(), len(want))
		for _, r := range fs.Records() {
			var doc map[string]any
			require.NoError(t, json.Unmarshal(r.Value, &doc))
			key := string(r.Key)
			require.Equal(t, key, doc["collection_id"].(string)+":"+doc["upstream_id"].(string))
			if p, ok := partitions[key]; ok {
				require.Equal(t, p, r.Partition, "one partition per record")
			}
			partitions[key] = r.Partition
			kafka.add(doc)
		}
	}
	kafka.check(t, "kafka", want)

	var pending int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT coalesce(sum(num_pending + num_ack_pending), 0) FROM sequin.consumer_status`).Scan(&pending))
	require.Zero(t, pending, "every outbox drained")
}

// A sidecar killed with SIGKILL in the middle of a backfill's stream loses no event: after a restart,
// every event reaches every consumer at least once.
func TestKillDuringStreamLosesNoEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	t.Parallel()
	// Pages slow enough that the backfill outlasts the child sidecar's start and its first deliveries.
	b := setupStream(t, emulator.Config{Seed: 1500, RandSeed: 5, Latency: 40 * time.Millisecond})
	ctx := context.Background()

	// Migrate, and create the slot (with the first consumer), with an in-process sidecar; then hand
	// over to a child process. The child streams from the start, while the backfill runs.
	first := b.startSidecar(t)
	hook := newDelivery()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var payload struct{ Data []map[string]any }
		if err := json.NewDecoder(r.Body).Decode(&payload); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, doc := range payload.Data {
			hook.add(doc)
		}
	}))
	t.Cleanup(receiver.Close)
	_, err := b.db.Pool.Exec(ctx, `SELECT sequin.create_consumer('pull', 'http_pull')`)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `SELECT sequin.create_consumer('hook', 'webhook',
		jsonb_build_object('url', $1::text, 'timeout_ms', 1000, 'batch_size', 50))`, receiver.URL)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var n int
		err := b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1`, b.slot).Scan(&n)
		return err == nil && n == 1
	}, 60*time.Second, 20*time.Millisecond, "the first consumer's slot")
	first.Stop(ctx)
	b.createSync(t, "stripe:customer")

	child := startChild(t, b.db.URL, b.key, "CHILD_STREAM_SLOT="+b.slot)
	require.Eventually(t, func() bool { return hook.count() >= 300 }, 60*time.Second, 10*time.Millisecond, "the child streams to the webhook")
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	var eventsAtKill int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events`).Scan(&eventsAtKill))
	require.Less(t, eventsAtKill, 1500, "killed mid-backfill")

	b.startSidecar(t)
	b.waitLive(t, 90*time.Second)
	want := b.eventSeqs(t)
	require.Len(t, want, 1500)
	require.Eventually(t, func() bool { return hook.count() >= len(want) }, 30*time.Second, 20*time.Millisecond,
		"the webhook got every event")
	hook.check(t, "webhook", want)

	pull := newDelivery()
	for pull.count() < len(want) {
		rows, err := b.db.Pool.Query(ctx, `SELECT ack_token, message FROM sequin.next('pull', 500)`)
		require.NoError(t, err)
		var tokens []string
		for rows.Next() {
			var tok string
			var doc map[string]any
			require.NoError(t, rows.Scan(&tok, &doc))
			pull.add(doc)
			tokens = append(tokens, tok)
		}
		require.NoError(t, rows.Err())
		require.NotEmpty(t, tokens, "pulled %d of %d events", pull.count(), len(want))
		_, err = b.db.Pool.Exec(ctx, `SELECT sequin.ack('pull', $1)`, tokens)
		require.NoError(t, err)
	}
	pull.check(t, "http_pull", want)
}

func TestStreamSlotIsValidated(t *testing.T) {
	t.Parallel()
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	for _, slot := range []string{"Sequin-Events", strings.Repeat("x", 64), "a b"} {
		_, err := sidecar.New(sidecar.Config{DatabaseURL: "postgres://x", SecretKey: secret.GenerateKey(), Registry: reg, StreamSlot: slot})
		require.ErrorContains(t, err, "stream slot", slot)
	}
	for _, slot := range []string{"", "-", "sequin_events_2"} {
		_, err := sidecar.New(sidecar.Config{DatabaseURL: "postgres://x", SecretKey: secret.GenerateKey(), Registry: reg, StreamSlot: slot})
		require.NoError(t, err, slot)
	}
}
