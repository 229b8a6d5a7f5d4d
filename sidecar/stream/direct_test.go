package stream_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/stream"
)

// fakeDirect stands in for the sidecar's deliverers and pull API: it takes what it is given,
// except the messages refuse says to refuse (sent, and failed) and the consumers it does not serve.
type fakeDirect struct {
	mu      sync.Mutex
	got     map[string][]stream.DirectMessage
	calls   int
	refuse  func(consumer string, m stream.DirectMessage) bool
	serving func(consumer string) bool
}

func (f *fakeDirect) Deliver(_ context.Context, consumer string, msgs []stream.DirectMessage) []stream.DirectResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.serving != nil && !f.serving(consumer) {
		return nil
	}
	out := make([]stream.DirectResult, len(msgs))
	for i, m := range msgs {
		if f.refuse != nil && f.refuse(consumer, m) {
			out[i] = stream.DirectResult{Sent: true, Err: "endpoint answered 500", RetryIn: time.Hour}
			continue
		}
		out[i].Delivered = true
		if f.got == nil {
			f.got = map[string][]stream.DirectMessage{}
		}
		f.got[consumer] = append(f.got[consumer], m)
	}
	return out
}

func (f *fakeDirect) seqs(consumer string) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int64
	for _, m := range f.got[consumer] {
		out = append(out, m.Seq)
	}
	return out
}

func (f *fakeDirect) waitFor(t testing.TB, consumer string, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return len(f.seqs(consumer)) >= n }, 15*time.Second, 10*time.Millisecond,
		"consumer %s got %d of %d messages directly", consumer, len(f.seqs(consumer)), n)
}

// pushed creates a webhook consumer of new events (its endpoint is never called: the fake delivers).
func (e *env) pushed(t testing.TB, name string) string {
	t.Helper()
	var id string
	require.NoError(t, e.db.Pool.QueryRow(context.Background(), `SELECT sequin.create_consumer($1, 'webhook',
		'{"url": "http://127.0.0.1:9/hook"}', start_at => 'new')::text`, name).Scan(&id))
	return id
}

// Events delivered straight from the stream carry the same documents as those handed out from the
// outbox (built by SQL), whatever their values, and leave nothing in the outbox. An event whose
// document cannot be built the same way in Go goes through the outbox.
func TestDirectDocumentsMatchTheOutboxs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	hook := e.pushed(t, "hook")
	pull := e.consumer(t, "pull", "start_at => 'new'")
	// The pull consumer's pullers are elsewhere: it gets its messages in the outbox.
	fd := &fakeDirect{serving: func(c string) bool { return c == hook }}
	r := e.startReader(t, func(r *stream.Reader) { r.Direct = fd })

	var seqs []int64
	require.NoError(t, pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data, previous_data, event_inserted_at)
			VALUES ($1, 'acme:widget', E'quote " backslash \\ newline \n tab \t bell \x07 é ✓', '2024-05-01 12:34:56+00', 'inserted',
			        '{"a": 1, "s": "x\"y", "u": "\u00e9\ud83d\ude00", "n": null, "f": 1.50, "big": 12345678901234567890}', NULL, '2024-05-01 12:34:56.5+00'),
			       ($1, 'acme:widget', 'w2', NULL, 'updated', jsonb_build_object('blob', repeat('lorem ipsum ', 3000)),
			        '{"name": "old"}', now()),
			       ($1, 'acme:gadget', 'g1', '0001-01-01 00:00:00+00', 'deleted', '{}', '{"x": [1, 2]}', '9999-12-31 23:59:59.999999+00')
			RETURNING seq`, e.syncA)
		if err != nil {
			return err
		}
		seqs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	}))
	fd.waitFor(t, hook, len(seqs))
	require.Equal(t, seqs, fd.seqs(hook))
	e.waitMessages(t, pull, len(seqs))
	require.Empty(t, e.messageSeqs(t, hook), "nothing delivered directly waits in the outbox")
	// The counter moves once the batch's transaction has committed, a moment after the outbox shows it.
	require.Eventually(t, func() bool { return r.Delivered() == int64(len(seqs)) }, 5*time.Second, 5*time.Millisecond,
		"delivered %d directly, want %d", r.Delivered(), len(seqs))

	fd.mu.Lock()
	got := slices.Clone(fd.got[hook])
	fd.mu.Unlock()
	for _, m := range got {
		var want string
		require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT sequin._event_json(e)::text FROM sequin.events e WHERE seq = $1`, m.Seq).Scan(&want))
		require.JSONEq(t, want, string(m.Body), "event %d", m.Seq)
		var doc struct {
			CollectionID string `json:"collection_id"`
			UpstreamID   string `json:"upstream_id"`
		}
		require.NoError(t, json.Unmarshal(m.Body, &doc))
		require.Equal(t, doc.CollectionID+":"+doc.UpstreamID, m.RecordKey)
		require.Equal(t, e.syncA, m.SyncID)
	}

	// A year past 9999 is printed differently by SQL: such an event goes through the outbox, with the
	// rest of its consumer's batch.
	var late []int64
	require.NoError(t, pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, upstream_updated_at, event, data)
			VALUES ($1, 'acme:widget', 'w4', '10000-01-01', 'inserted', '{}') RETURNING seq`, e.syncA)
		if err != nil {
			return err
		}
		late, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	}))
	e.waitMessages(t, hook, 1)
	require.Equal(t, late, e.messageSeqs(t, hook))
	require.Len(t, fd.seqs(hook), len(seqs))
}

// A message the endpoint refused goes to the outbox as tried once, and so do the later messages of
// its record (their order holds); the consumer's later events go to the outbox while anything waits
// there, and straight out again once it is empty. A consumer this process does not deliver to gets
// everything through the outbox.
func TestDirectFailuresGoToTheOutbox(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	hook := e.pushed(t, "hook")
	elsewhere := e.pushed(t, "elsewhere")
	var refusing sync.Map
	refusing.Store("acme:widget:r2", true)
	fd := &fakeDirect{
		refuse: func(consumer string, m stream.DirectMessage) bool {
			// Only the first event of each refused record (insertEvents numbers them in data.n).
			_, ok := refusing.Load(m.RecordKey)
			return consumer == hook && ok && strings.Contains(string(m.Body), `"n": 2,`)
		},
		serving: func(consumer string) bool { return consumer != elsewhere },
	}
	e.startReader(t, func(r *stream.Reader) { r.Direct = fd })

	first := e.insertEvents(t, e.syncA, "acme:widget", "r1", "r2", "r3", "r2")
	e.waitMessages(t, hook, 2)
	e.waitMessages(t, elsewhere, 4)
	require.Equal(t, []int64{first[0], first[2], first[3]}, fd.seqs(hook), "the endpoint took r2's second event")
	type row struct {
		Seq          int64
		DeliverCount int
		Error        *string
		Later        bool
	}
	outbox := func(consumer string) []row {
		rows, err := e.db.Pool.Query(ctx, `SELECT seq, deliver_count, last_error, coalesce(not_visible_until > now() + interval '30 minutes', false)
			FROM sequin.consumer_messages WHERE consumer_id = $1 ORDER BY seq`, consumer)
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		require.NoError(t, err)
		return out
	}
	boom := "endpoint answered 500"
	require.Equal(t, []row{{first[1], 1, &boom, true}, {first[3], 0, nil, false}}, outbox(hook),
		"r2's first event waits for its retry, and its second waits to go out again after it")
	for i, r := range outbox(elsewhere) {
		require.Equal(t, row{Seq: first[i]}, r, "not tried here: waiting as written")
	}

	// While r2 waits, everything else of the consumer waits behind the outbox too.
	refusing.Delete("acme:widget:r2")
	second := e.insertEvents(t, e.syncA, "acme:widget", "r4")
	e.waitMessages(t, hook, 3)
	require.Equal(t, second[0], outbox(hook)[2].Seq)
	require.Equal(t, 0, outbox(hook)[2].DeliverCount)

	// Once the outbox is drained (by a deliverer), the stream delivers again.
	_, err := e.db.Pool.Exec(ctx, `DELETE FROM sequin.consumer_messages WHERE consumer_id = $1`, hook)
	require.NoError(t, err)
	third := e.insertEvents(t, e.syncA, "acme:widget", "r5", "r2")
	fd.waitFor(t, hook, 5)
	require.Equal(t, []int64{first[0], first[2], first[3], third[0], third[1]}, fd.seqs(hook))
	require.Empty(t, outbox(hook))
}

// With no consumer, the reader leaves events undecoded; a consumer created while such a transaction
// was still open wants its events, and gets them: the reader goes back and decodes it. Consumers
// created after a commit get it from their start_at 'all' copy, as usual.
func TestEventsSkippedWithoutConsumersAreNotLost(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.startReader(t)
	before := e.insertEvents(t, e.syncA, "acme:widget", ids("before", 30)...)

	tx, err := e.db.Pool.Begin(ctx)
	require.NoError(t, err)
	open, err := insertEventsTx(ctx, tx, e.syncA, "acme:widget", ids("open", 40)...)
	require.NoError(t, err)
	early := e.consumer(t, "early", "start_at => 'new'")
	all := e.consumer(t, "all")
	require.NoError(t, tx.Commit(ctx))
	after := e.insertEvents(t, e.syncA, "acme:widget", ids("after", 20)...)

	e.waitMessages(t, early, len(open)+len(after))
	require.Equal(t, append(slices.Clone(open), after...), e.messageSeqs(t, early), "the open transaction's events were decoded again")
	e.waitMessages(t, all, len(before)+len(open)+len(after))
	require.Equal(t, append(append(slices.Clone(before), open...), after...), e.messageSeqs(t, all))
}
