package consume_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// pulled is one message sequin.next handed out.
type pulled struct {
	token   string
	seq     int64
	id      string
	version int
	doc     map[string]any
}

func (e *env) next(t testing.TB, consumer string, n int) []pulled {
	t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `SELECT ack_token, message FROM sequin.next($1, $2)`, consumer, n)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pulled, error) {
		var p pulled
		if err := r.Scan(&p.token, &p.doc); err != nil {
			return p, err
		}
		p.seq = int64(p.doc["seq"].(float64))
		p.id = p.doc["upstream_id"].(string)
		p.version = int(p.doc["data"].(map[string]any)["version"].(float64))
		return p, nil
	})
	require.NoError(t, err)
	return out
}

func (e *env) settle(t testing.TB, fn, consumer string, ps ...pulled) int {
	t.Helper()
	tokens := make([]string, len(ps))
	for i, p := range ps {
		tokens[i] = p.token
	}
	var n int
	require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT sequin.`+fn+`($1, $2)`, consumer, tokens).Scan(&n))
	return n
}

func versions(ps []pulled) map[string]int {
	out := map[string]int{}
	for _, p := range ps {
		out[p.id] = p.version
	}
	return out
}

// A record's next event is handed out only once the previous one is acked; records do not wait for
// each other.
func TestNextKeepsOrderPerRecord(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.insert(t, event{"a", 1}, event{"a", 2}, event{"b", 1}, event{"a", 3}, event{"b", 2}, event{"c", 1})
	c := e.consumer(t, "puller", "http_pull")

	first := e.next(t, c, 10)
	require.Equal(t, map[string]int{"a": 1, "b": 1, "c": 1}, versions(first), "one message per record at a time")
	require.Empty(t, e.next(t, c, 10), "nothing more until something is acked")
	require.Equal(t, 1, e.settle(t, "ack", c, first[0])) // a v1
	second := e.next(t, c, 10)
	require.Equal(t, map[string]int{"a": 2}, versions(second))
	require.Equal(t, 3, e.settle(t, "ack", c, first[1], first[2], second[0]))
	third := e.next(t, c, 10)
	require.Equal(t, map[string]int{"a": 3, "b": 2}, versions(third))
	require.Equal(t, 0, e.settle(t, "ack", c, first[0]), "an ack token works once")
	require.Equal(t, 2, e.settle(t, "ack", c, third...))
	require.Zero(t, e.outbox(t, c))

	// The document is the one DESIGN.md describes.
	doc := first[0].doc
	for _, k := range []string{"seq", "event_id", "sync_id", "collection_id", "upstream_id", "upstream_updated_at", "event",
		"data", "previous_data", "event_inserted_at"} {
		require.Contains(t, doc, k)
	}
	require.Equal(t, e.sync, doc["sync_id"])
	require.Equal(t, "acme:widget", doc["collection_id"])
	require.Equal(t, "inserted", doc["event"])
	_, err := time.Parse(time.RFC3339Nano, doc["event_inserted_at"].(string))
	require.NoError(t, err)
}

// A message not acked within ack_wait_ms is handed out again with a new token; the old token no
// longer acks it.
func TestNextRedeliversAfterAckWait(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.insert(t, event{"a", 1}, event{"a", 2})
	c := e.consumer(t, "slow", "http_pull", "ack_wait_ms => 200")

	got := e.next(t, c, 10)
	require.Len(t, got, 1)
	var again []pulled
	require.Eventually(t, func() bool {
		again = e.next(t, c, 10)
		return len(again) > 0
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, got[0].seq, again[0].seq, "the same message, not the record's next one")
	require.Len(t, again, 1)
	require.NotEqual(t, got[0].token, again[0].token)
	require.Equal(t, 0, e.settle(t, "ack", c, got[0]), "a stale token acks nothing")
	require.Equal(t, 1, e.settle(t, "ack", c, again[0]))
	require.Equal(t, 2, e.next(t, c, 10)[0].version)
}

// After max_deliver deliveries without an ack, a message goes to the dead-letter view and the
// record's next event goes out; nack gives a message back at once, or dead-letters it when its
// deliveries are used up.
func TestMaxDeliverDeadLetters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	seqs := e.insert(t, event{"a", 1}, event{"a", 2}, event{"b", 1})
	c := e.consumer(t, "strict", "http_pull", "ack_wait_ms => 100", "max_deliver => 2")

	// b: nacked twice, dead at the second nack.
	first := e.next(t, c, 10)
	require.Equal(t, map[string]int{"a": 1, "b": 1}, versions(first))
	b := first[1]
	require.Equal(t, 1, e.settle(t, "nack", c, b))
	again := e.next(t, c, 10)
	require.Equal(t, map[string]int{"b": 1}, versions(again), "nacked: handed out at once, a still out")
	require.Equal(t, 1, e.settle(t, "nack", c, again[0]))

	// a v1: never acked; after its second delivery expires it is dead-lettered and a v2 goes out.
	var deliveries int
	require.Eventually(t, func() bool {
		for _, p := range e.next(t, c, 10) {
			if p.version == 1 {
				deliveries++
			} else {
				require.Equal(t, "a", p.id)
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, 1, deliveries, "a v1 went out a second time before it was given up")

	rows, err := e.db.Pool.Query(context.Background(), `SELECT seq, deliver_count, last_error, message->>'upstream_id'
		FROM sequin.consumer_dead_letters WHERE consumer_id = $1 ORDER BY seq`, c)
	require.NoError(t, err)
	type dead struct {
		seq   int64
		count int
		err   string
		id    string
	}
	dl, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dead, error) {
		var d dead
		return d, r.Scan(&d.seq, &d.count, &d.err, &d.id)
	})
	require.NoError(t, err)
	require.Len(t, dl, 2)
	require.Equal(t, dead{seq: seqs[0], count: 2, err: "2 deliveries without an ack", id: "a"}, dl[0])
	require.Equal(t, seqs[2], dl[1].seq)
	require.Contains(t, dl[1].err, "nacked after 2 deliveries")

	var pending, ackPending, deadN int
	require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT num_pending, num_ack_pending, num_dead FROM sequin.consumer_status
		WHERE consumer_id = $1`, c).Scan(&pending, &ackPending, &deadN))
	require.Equal(t, []int{0, 1, 2}, []int{pending, ackPending, deadN})

	var requeued int
	require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT sequin.requeue_dead_letters('strict')`).Scan(&requeued))
	require.Equal(t, 2, requeued)
	require.Zero(t, e.count(t, `SELECT count(*) FROM sequin.consumer_dead_letters WHERE consumer_id = $1`, c))
}

// Counters: waiting messages are num_pending, handed-out ones num_ack_pending.
func TestConsumerStatusCounters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.history(t, 5, 1)
	c := e.consumer(t, "counted", "http_pull")
	status := func() [2]int {
		var p, a int
		require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT num_pending, num_ack_pending FROM sequin.consumer_status
			WHERE name = 'counted'`).Scan(&p, &a))
		return [2]int{p, a}
	}
	require.Equal(t, [2]int{5, 0}, status())
	got := e.next(t, c, 2)
	require.Equal(t, [2]int{3, 2}, status())
	e.settle(t, "ack", c, got[0])
	require.Equal(t, [2]int{3, 1}, status())
	e.settle(t, "nack", c, got[1])
	require.Equal(t, [2]int{4, 0}, status())
}

// Parallel pullers never hold the same message, nor two messages of one record, at once; between them
// they get every message exactly once, each record's in order.
func TestParallelPullersNeverShareAMessage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	total := e.history(t, 40, 5)
	c := e.consumer(t, "shared", "http_pull")

	var (
		mu       sync.Mutex
		held     = map[string]bool{} // records out with a puller
		received = map[int64]int{}
		order    = map[string][]int{}
		problems []string
		wg       sync.WaitGroup
	)
	ctx := context.Background()
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, err.Error())
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; idle < 20; {
				batch, err := pull(ctx, e, c)
				if err != nil {
					fail(err)
					return
				}
				if len(batch) == 0 {
					idle++
					time.Sleep(5 * time.Millisecond)
					continue
				}
				idle = 0
				mu.Lock()
				for _, p := range batch {
					if held[p.id] {
						problems = append(problems, fmt.Sprintf("worker %d got %s v%d while another message of it was out", w, p.id, p.version))
					}
					held[p.id] = true
					received[p.seq]++
					order[p.id] = append(order[p.id], p.version)
				}
				for _, p := range batch {
					held[p.id] = false // released before the ack commits: a later hand-out is legitimate
				}
				mu.Unlock()
				tokens := make([]string, len(batch))
				for i, p := range batch {
					tokens[i] = p.token
				}
				if _, err := e.db.Pool.Exec(ctx, `SELECT sequin.ack($1, $2)`, c, tokens); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.Empty(t, problems)
	require.Len(t, received, total)
	for seq, n := range received {
		require.Equal(t, 1, n, "seq %d delivered once", seq)
	}
	for id, vs := range order {
		require.True(t, sort.IntsAreSorted(vs), "%s in order: %v", id, vs)
		require.Len(t, vs, 5)
	}
	require.Zero(t, e.outbox(t, c))
}

// pull takes a batch of 7 from a goroutine (no require there).
func pull(ctx context.Context, e *env, c string) ([]pulled, error) {
	rows, err := e.db.Pool.Query(ctx, `SELECT ack_token, message FROM sequin.next($1, 7)`, c)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (pulled, error) {
		var p pulled
		if err := r.Scan(&p.token, &p.doc); err != nil {
			return p, err
		}
		p.seq, p.id = int64(p.doc["seq"].(float64)), p.doc["upstream_id"].(string)
		p.version = int(p.doc["data"].(map[string]any)["version"].(float64))
		return p, nil
	})
}

// create_consumer names the argument it refuses; next, ack and nack refuse what they cannot use.
func TestConsumerFunctionsRefuseBadArguments(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	for _, tc := range []struct{ call, arg string }{
		{`sequin.create_consumer('bad name!', 'http_pull')`, "name"},
		{`sequin.create_consumer('x', 'carrier_pigeon')`, "kind"},
		{`sequin.create_consumer('x', 'http_pull', '{"url": "http://x"}')`, "config"},
		{`sequin.create_consumer('x', 'webhook', '{}')`, "config"},
		{`sequin.create_consumer('x', 'webhook', '{"url": "ftp://x"}')`, "config"},
		{`sequin.create_consumer('x', 'webhook', '{"url": "http://x", "max_retries": -1}')`, "config"},
		{`sequin.create_consumer('x', 'webhook', '{"url": "http://x", "max_in_flight": 0}')`, "config"},
		{`sequin.create_consumer('x', 'kafka', '{"brokers": ["k:9092"], "max_in_flight": 2}')`, "config"},
		{`sequin.create_consumer('x', 'kafka', '{"brokers": []}')`, "config"},
		{`sequin.create_consumer('x', 'kafka', '{"brokers": ["k:9092"], "sasl": {"mechanism": "gssapi"}}')`, "config"},
		{`sequin.create_consumer('x', 'kafka', '{"brokers": ["k:9092"], "topic": "no spaces"}')`, "config"},
		{`sequin.create_consumer('x', 'http_pull', sync_ids => ARRAY['00000000-0000-0000-0000-000000000000']::uuid[])`, "sync_ids"},
		{`sequin.create_consumer('x', 'http_pull', collection_ids => ARRAY['acme:nothing'])`, "collection_ids"},
		{`sequin.create_consumer('x', 'http_pull', start_at => 'yesterday')`, "start_at"},
		{`sequin.create_consumer('x', 'http_pull', ack_wait_ms => 0)`, "ack_wait_ms"},
		{`sequin.create_consumer('x', 'http_pull', max_deliver => 0)`, "max_deliver"},
		{`sequin.create_consumer('x', 'webhook', '{"url": "http://x", "max_retries": 3}', max_deliver => 2)`, "max_deliver"},
		{`sequin.next('nobody')`, "consumer"},
		{`sequin.ack('nobody', ARRAY[]::text[])`, "consumer"},
		{`sequin.drop_consumer('nobody')`, "consumer"},
	} {
		_, err := e.db.Pool.Exec(ctx, `SELECT `+tc.call)
		require.ErrorContains(t, err, fmt.Sprintf(`argument "%s"`, tc.arg), tc.call)
	}
	e.consumer(t, "taken", "http_pull")
	_, err := e.db.Pool.Exec(ctx, `SELECT sequin.create_consumer('taken', 'http_pull')`)
	require.ErrorContains(t, err, `argument "name": a consumer named 'taken' already exists`)
	e.consumer(t, "hook", "webhook", `'{"url": "http://127.0.0.1:1/hook"}'`)
	_, err = e.db.Pool.Exec(ctx, `SELECT sequin.next('hook')`)
	require.ErrorContains(t, err, "not http_pull")
	for _, bad := range []string{"nonsense", "1.not-a-uuid", "", "x.00000000-0000-0000-0000-000000000000"} {
		_, err = e.db.Pool.Exec(ctx, `SELECT sequin.ack('taken', ARRAY[$1])`, bad)
		require.ErrorContains(t, err, `argument "ack_tokens": malformed ack token`, bad)
	}
	_, err = e.db.Pool.Exec(ctx, `SELECT sequin.next('taken', 0)`)
	require.ErrorContains(t, err, `argument "batch_size"`)

	// max_retries n is n + 1 deliveries.
	var budget int
	require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT max_deliver FROM sequin.consumers WHERE name = 'hook'`).Scan(&budget))
	require.Equal(t, -1, budget)
	e.consumer(t, "hook3", "webhook", `'{"url": "http://127.0.0.1:1/hook", "max_retries": 3}'`)
	require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT max_deliver FROM sequin.consumers WHERE name = 'hook3'`).Scan(&budget))
	require.Equal(t, 4, budget)
}

// Filters, start_at, dropping, and messages that outlive their event.
func TestConsumerLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.insert(t, event{"a", 1}, event{"b", 1})
	var gadget int64
	require.NoError(t, e.db.Pool.QueryRow(ctx, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, event, data)
		VALUES ($1, 'acme:gadget', 'g', 'inserted', '{"version": 1}') RETURNING seq`, e.sync).Scan(&gadget))

	all := e.consumer(t, "all", "http_pull")
	gadgets := e.consumer(t, "gadgets", "http_pull", "collection_ids => ARRAY['acme:gadget']")
	fresh := e.consumer(t, "fresh", "http_pull", "start_at => 'new'")
	other := e.consumer(t, "other-sync", "http_pull", fmt.Sprintf("sync_ids => ARRAY['%s']::uuid[]", e.sync))
	require.Equal(t, 3, e.outbox(t, all))
	require.Equal(t, 1, e.outbox(t, gadgets))
	require.Zero(t, e.outbox(t, fresh))
	require.Equal(t, 3, e.outbox(t, other))

	// Retention deletes events; the outbox keeps their documents.
	before := e.next(t, gadgets, 1)
	require.Len(t, before, 1)
	e.settle(t, "nack", gadgets, before[0])
	_, err := e.db.Pool.Exec(ctx, `DELETE FROM sequin.events WHERE seq = $1`, gadget)
	require.NoError(t, err)
	after := e.next(t, gadgets, 1)
	require.Len(t, after, 1)
	require.Equal(t, before[0].doc, after[0].doc)

	// Pausing stops hand-outs; resuming starts them again.
	_, err = e.db.Pool.Exec(ctx, `SELECT sequin.pause_consumer('all')`)
	require.NoError(t, err)
	require.Empty(t, e.next(t, all, 10))
	_, err = e.db.Pool.Exec(ctx, `SELECT sequin.resume_consumer('all')`)
	require.NoError(t, err)
	require.Len(t, e.next(t, all, 10), 3)

	_, err = e.db.Pool.Exec(ctx, `SELECT sequin.drop_consumer('all')`)
	require.NoError(t, err)
	require.Zero(t, e.outbox(t, all))
	require.Zero(t, e.count(t, `SELECT count(*) FROM sequin.consumers WHERE id = $1`, all))
	// By id works as well as by name.
	_, err = e.db.Pool.Exec(ctx, `SELECT sequin.drop_consumer($1)`, gadgets)
	require.NoError(t, err)
}

// A large copy at creation refreshes the outbox's statistics at once: hand-outs are planned from them,
// and planned as if the outbox were empty they would compare every pending message with every other.
func TestLargeCopyRefreshesOutboxStatistics(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.history(t, 1500, 1)
	c := e.consumer(t, "big", "http_pull")
	var estimate float64
	require.NoError(t, e.db.Pool.QueryRow(context.Background(),
		`SELECT reltuples FROM pg_class WHERE oid = 'sequin.consumer_messages'::regclass`).Scan(&estimate))
	require.InDelta(t, 1500, estimate, 1)
	require.Len(t, e.next(t, c, 1000), 1000)
}
