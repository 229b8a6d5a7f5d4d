package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

const (
	// streamPerTx events are committed per transaction in the throughput phase, as a backfill
	// page commits them.
	streamPerTx = 100
	// streamLatencyTx transactions of streamLatencyPerTx events, streamLatencyPace apart, make the
	// latency phase: a steady trickle, committed as applications commit (synchronous_commit on).
	streamLatencyTx    = 60
	streamLatencyPerTx = 5
	streamLatencyPace  = 25 * time.Millisecond
	// streamPublication is the publication the stream reader decodes.
	streamPublication = "sequin_events"
	streamKafkaTopic  = "bench_stream"
)

// streamEvents is the size of the throughput phase.
func streamEvents() int { return sized(20_000, 4_000) }

// streamKind is one consumer kind under measurement.
type streamKind struct {
	label    string // "http pull (next+ack)"
	name     string // the consumer's name
	kind     string // its kind in sequin.create_consumer
	config   string // its config (JSON)
	d        *deliveries
	gap      string // why it is not measured, when it is not
	raw      float64
	rate     float64
	lat      []time.Duration
	expected int    // events of the latency phase
	missing  string // where the latency phase's undelivered events are, when some are
}

// streamEnv is what the kinds' measurements share: one database, one sync, one sidecar at a time.
type streamEnv struct {
	db     *pgtest.DB
	key    string
	syncID string
	token  string
	sc     *sidecar.Sidecar
	n      int
}

// BenchmarkStream measures stream delivery from commit to each consumer kind in turn, each the only
// consumer while it is measured: an HTTP pull consumer pulling and acking through the sidecar's
// API, a webhook receiver and a Kafka topic (kfake), each against decoding the same WAL with
// pglogrepl alone. Throughput: events are committed while the sidecar is stopped, and the rate is
// events over the time from the restarted sidecar serving to the last delivery. Latency: a trickle
// of commits to the running sidecar, each event timed from its commit to its first delivery.
func BenchmarkStream(b *testing.B) {
	ctx := context.Background()
	hookD, kafkaD := newDeliveries(), newDeliveries()
	hook := webhookReceiver(hookD)
	b.Cleanup(hook.Close)
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, streamKafkaTopic))
	if err != nil {
		b.Fatalf("kfake: %v", err)
	}
	b.Cleanup(kc.Close)
	kinds := []*streamKind{
		{label: "http pull (next+ack)", name: "bench_pull", kind: "http_pull", config: `{}`, d: newDeliveries()},
		{label: "webhook", name: "bench_hook", kind: "webhook", config: mustJSON(map[string]any{"url": hook.URL}), d: hookD},
		{label: "kafka (kfake)", name: "bench_kafka", kind: "kafka", config: mustJSON(map[string]any{"brokers": kc.ListenAddrs(), "topic": streamKafkaTopic}), d: kafkaD},
	}
	var allNames []string
	for _, k := range kinds {
		allNames = append(allNames, "stream delivery, "+k.label, "stream commit-to-delivery p50, "+k.label)
	}
	recvCtx, stopRecv := context.WithCancel(ctx)
	defer stopRecv()
	go func() {
		if err := consumeKafka(recvCtx, kc.ListenAddrs(), streamKafkaTopic, kafkaD); err != nil {
			kafkaD.failed(err)
		}
	}()

	_, base := startEmulator(b, emulator.Config{Seed: 0, RandSeed: 3, SkipSeedEvents: true})
	e := &streamEnv{db: pgtest.NewDB(b), key: secret.GenerateKey(), n: streamEvents()}
	e.sc = startSidecar(b, e.db, e.key, "127.0.0.1:0")
	e.syncID, err = createSync(ctx, e.db.Pool, syncSpec{name: "stream", collections: []string{"stripe:customer"}, baseURL: base, pollMS: 600_000})
	if err != nil {
		fail(b, allNames, err)
	}
	if err := waitLive(ctx, e.db.Pool, time.Minute, 50*time.Millisecond); err != nil {
		fail(b, allNames, err)
	}
	if err := e.db.Pool.QueryRow(ctx, `SELECT sequin.create_api_token('bench')`).Scan(&e.token); err != nil {
		fail(b, allNames, err)
	}
	for _, k := range kinds {
		if err := measureStreamKind(ctx, b, e, k); err != nil {
			fail(b, []string{"stream delivery, " + k.label, "stream commit-to-delivery p50, " + k.label}, err)
		}
	}

	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, k := range kinds {
		rateName, p50Name := "stream delivery, "+k.label, "stream commit-to-delivery p50, "+k.label
		if k.gap != "" {
			results.Add(Missing(rateName, StatusGap, k.gap), Missing(p50Name, StatusGap, k.gap))
			continue
		}
		results.Add(Measured(rateName, k.rate, "events/s", k.raw, "raw pgoutput decode", AtLeast(0.5),
			fmt.Sprintf("%s events of ~1 KB, %d per transaction, committed while the sidecar was stopped; sidecar serving → last delivery",
				FormatValue(float64(e.n), ""), streamPerTx)))
		if len(k.lat) < k.expected {
			results.Add(Missing(p50Name, StatusError, fmt.Sprintf("%d of %d trickled events delivered within a minute; %s", len(k.lat), k.expected, k.missing)))
			continue
		}
		p50, p99 := Quantile(k.lat, 0.5), Quantile(k.lat, 0.99)
		b.Logf("%s: commit-to-delivery p50 %v, p99 %v", k.label, p50.Round(time.Millisecond), p99.Round(time.Millisecond))
		results.Add(Measured(p50Name, ms(p50), "ms", 50, "target", AtMost(1),
			fmt.Sprintf("p99 %s; %d events, %d per transaction every %v, synchronous_commit on",
				FormatValue(ms(p99), "ms"), len(k.lat), streamLatencyPerTx, streamLatencyPace)))
	}
}

// measureStreamKind makes k the only consumer and measures it; a kind the sidecar does not deliver
// to gets a gap rather than an error.
func measureStreamKind(ctx context.Context, b *testing.B, e *streamEnv, k *streamKind) error {
	pool := e.db.Pool
	var id string
	if err := pool.QueryRow(ctx, `SELECT sequin.create_consumer($1, $2, $3::jsonb, start_at => 'new')::text`,
		k.name, k.kind, k.config).Scan(&id); err != nil {
		return err
	}
	defer func() {
		_, _ = pool.Exec(context.WithoutCancel(ctx), `SELECT sequin.drop_consumer($1)`, k.name)
	}()
	// The stream's slot is created with the first consumer (then kept): the probe below is delivered
	// once it streams.
	var puller *httpPuller
	if k.kind == "http_pull" {
		puller = &httpPuller{token: e.token, consumer: id, d: k.d}
		puller.addr.Store(e.sc.Addr)
		pullCtx, stopPull := context.WithCancel(ctx)
		defer stopPull()
		go puller.run(pullCtx, 1000)
	}
	probe, err := writeEvents(ctx, pool, e.syncID, 1, 1, 0, true)
	if err != nil {
		return err
	}
	waitDelivered([]*streamKind{k}, probe, 20*time.Second)
	if got, _ := k.d.progress(); got == 0 {
		k.gap = "no delivery within 20 s of a commit"
		if e := k.d.lastError(); e != "" {
			k.gap += ": " + firstLine(e)
		}
		return nil
	}

	// Throughput: the same WAL, read by a bare decoder and delivered by the restarted sidecar.
	if _, err := pool.Exec(ctx, `SELECT pg_create_logical_replication_slot('bench_raw', 'pgoutput')`); err != nil {
		return err
	}
	dropRaw := func() {
		_, _ = pool.Exec(context.WithoutCancel(ctx), `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
			WHERE slot_name = 'bench_raw'`)
	}
	defer dropRaw()
	e.sc.Stop(ctx)
	batch, err := writeEvents(ctx, pool, e.syncID, e.n, streamPerTx, 0, false)
	if err != nil {
		return err
	}
	rawTime, err := rawDecode(ctx, e.db.URL, "bench_raw", streamPublication, e.n)
	if err != nil {
		return fmt.Errorf("raw decode: %w", err)
	}
	dropRaw()
	k.raw = float64(e.n) / rawTime.Seconds()
	e.sc = startSidecar(b, e.db, e.key, "127.0.0.1:0")
	serving := time.Now()
	if puller != nil {
		puller.addr.Store(e.sc.Addr)
	}
	waitDelivered([]*streamKind{k}, batch, 3*time.Minute)
	got, last := k.d.progress()
	if got < e.n {
		return fmt.Errorf("%s: only %d of %d events delivered in 3 minutes (last error: %s)", k.label, got, e.n, k.d.lastError())
	}
	k.rate = float64(e.n) / last.Sub(serving).Seconds()
	b.Logf("%s: %d events in %v (%.0f/s; the first after %v); raw decode of the same WAL %v (%.0f/s)", k.label, e.n,
		last.Sub(serving).Round(time.Millisecond), k.rate, k.d.earliest(batch).Sub(serving).Round(time.Millisecond),
		rawTime.Round(time.Millisecond), k.raw)

	// Latency: a steady trickle to the running sidecar.
	trickle, err := writeEvents(ctx, pool, e.syncID, streamLatencyTx*streamLatencyPerTx, streamLatencyPerTx, streamLatencyPace, true)
	if err != nil {
		return err
	}
	k.expected = len(trickle)
	waitDelivered([]*streamKind{k}, trickle, time.Minute)
	k.lat = k.d.latencies(trickle)
	if len(k.lat) < len(trickle) {
		k.missing = outboxState(ctx, pool, id, k.d, trickle)
	}
	return nil
}

// outboxState says where the events of want that did not arrive are in the consumer's outbox.
func outboxState(ctx context.Context, pool *pgxpool.Pool, consumerID string, d *deliveries, want map[int64]time.Time) string {
	var seqs []int64
	for s := range want {
		if !d.has(s) {
			seqs = append(seqs, s)
		}
	}
	var pending, leased, dead, gone int
	var maxDeliveries int
	err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE m.state = 'pending' AND coalesce(m.not_visible_until <= now(), true)),
		count(*) FILTER (WHERE m.state = 'pending' AND m.not_visible_until > now()),
		count(*) FILTER (WHERE m.state = 'dead'), count(*) FILTER (WHERE m.seq IS NULL), coalesce(max(m.deliver_count), 0)
		FROM unnest($2::bigint[]) s LEFT JOIN sequin.consumer_messages m ON m.consumer_id = $1 AND m.seq = s`,
		consumerID, seqs).Scan(&pending, &leased, &dead, &gone, &maxDeliveries)
	if err != nil {
		return "outbox unreadable: " + err.Error()
	}
	out := fmt.Sprintf("missing seqs %v: %d pending, %d handed out and not settled (up to %d deliveries), %d dead, %d no longer in the outbox",
		seqs[:min(len(seqs), 5)], pending, leased, maxDeliveries, dead, gone)
	if e := d.lastError(); e != "" {
		out += "; last receiving error: " + firstLine(e)
	}
	return out
}

// waitDelivered waits until every kind without a gap has received every event of want, or timeout.
func waitDelivered(kinds []*streamKind, want map[int64]time.Time, timeout time.Duration) {
	for _, k := range kinds {
		k.d.watch(want)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		done := true
		for _, k := range kinds {
			if got, _ := k.d.progress(); k.gap == "" && got < len(want) {
				done = false
			}
		}
		if done {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// writeEvents commits n events of about 1 KB into sequin.events, perTx to a transaction, pace
// apart, and returns each event's seq with the time its transaction's commit returned.
// syncCommit waits for the WAL flush as an application's commit does (the bench cluster runs with
// synchronous_commit off, where the WAL writer flushes, and wakes the stream, up to 200 ms later).
func writeEvents(ctx context.Context, pool *pgxpool.Pool, syncID string, n, perTx int, pace time.Duration, syncCommit bool) (map[int64]time.Time, error) {
	out := make(map[int64]time.Time, n)
	for start := 0; start < n; start += perTx {
		count := min(perTx, n-start)
		var seqs []int64
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if syncCommit {
				if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = on`); err != nil {
					return err
				}
			}
			rows, err := tx.Query(ctx, `
				INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data)
				SELECT $1, 'stripe:customer', 'cus_bench' || g, now(), 'inserted',
				       jsonb_build_object('id', 'cus_bench' || g, 'object', 'customer', 'name', 'Customer number ' || g,
				                          'description', repeat('lorem ipsum dolor sit amet ', 30), 'balance', g * 100,
				                          'metadata', jsonb_build_object('tier', 'gold', 'n', g), 'livemode', false)
				  FROM generate_series($2::int, $3::int) g
				RETURNING seq`, syncID, start, start+count-1)
			if err != nil {
				return err
			}
			seqs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("writing events: %w", err)
		}
		at := time.Now()
		for _, s := range seqs {
			out[s] = at
		}
		if pace > 0 {
			time.Sleep(pace)
		}
	}
	return out, nil
}
