package stream_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/stream"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

func TestReaderFansOutCommittedEventsOnly(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	all := e.consumer(t, "all")
	widgetsA := e.consumer(t, "widgets-a", "sync_ids => ARRAY['"+e.syncA+"']::uuid[]", "collection_ids => ARRAY['acme:widget']")
	gadgets := e.consumer(t, "gadgets", "collection_ids => ARRAY['acme:gadget']")
	e.startReader(t)

	e.insertEvents(t, e.syncA, "acme:widget", ids("w", 10)...)
	e.insertEvents(t, e.syncA, "acme:gadget", ids("g", 5)...)
	e.insertEvents(t, e.syncB, "acme:widget", ids("w", 7)...)
	// A rolled-back transaction leaves nothing to deliver.
	tx, err := e.db.Pool.Begin(ctx)
	require.NoError(t, err)
	_, err = insertEventsTx(ctx, tx, e.syncA, "acme:widget", ids("ghost", 20)...)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	last := e.insertEvents(t, e.syncA, "acme:widget", "w0", "w1")

	e.waitMessages(t, all, 24)
	e.waitMessages(t, widgetsA, 12)
	e.waitMessages(t, gadgets, 5)
	require.Equal(t, e.allSeqs(t, ""), e.messageSeqs(t, all))
	require.Equal(t, e.allSeqs(t, "sync_id = $1 AND collection_id = 'acme:widget'", e.syncA), e.messageSeqs(t, widgetsA))
	require.Equal(t, e.allSeqs(t, "collection_id = 'acme:gadget'"), e.messageSeqs(t, gadgets))

	// Each outbox row routes its event: the record key and sync come from the decoded row, and the
	// document stays in sequin.events until the event expires.
	var differ int
	require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.consumer_messages m JOIN sequin.events e USING (seq)
		WHERE m.message IS NOT NULL OR m.record_key <> e.collection_id || ':' || e.upstream_id OR m.sync_id <> e.sync_id`).Scan(&differ))
	require.Zero(t, differ)
	var key string
	require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT record_key FROM sequin.consumer_messages WHERE consumer_id = $1 AND seq = $2`, all, last[1]).Scan(&key))
	require.Equal(t, "acme:widget:w1", key)
}

func TestLargeStreamedTransactionsAndSavepoints(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	c := e.consumer(t, "c", "start_at => 'new'")
	// A tiny decoding memory makes the server stream transactions before they commit.
	e.startReader(t, func(r *stream.Reader) {
		r.ConnString = withParam(t, e.db.URL, "options", "-c logical_decoding_work_mem=64kB")
	})

	var kept []int64
	require.NoError(t, pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		s, err := insertEventsTx(ctx, tx, e.syncA, "acme:widget", ids("a", 600)...)
		kept = append(kept, s...)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SAVEPOINT one"); err != nil {
			return err
		}
		if _, err := insertEventsTx(ctx, tx, e.syncA, "acme:widget", ids("rolled", 500)...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT one"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SAVEPOINT two"); err != nil {
			return err
		}
		s, err = insertEventsTx(ctx, tx, e.syncA, "acme:widget", ids("b", 400)...)
		kept = append(kept, s...)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "RELEASE SAVEPOINT two")
		return err
	}))
	// A large transaction that aborts after being streamed.
	tx, err := e.db.Pool.Begin(ctx)
	require.NoError(t, err)
	_, err = insertEventsTx(ctx, tx, e.syncA, "acme:widget", ids("aborted", 1500)...)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	kept = append(kept, e.insertEvents(t, e.syncA, "acme:widget", "after")...)

	e.waitMessages(t, c, len(kept))
	time.Sleep(200 * time.Millisecond)
	require.Equal(t, kept, e.messageSeqs(t, c))
	var streamed int64
	require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT coalesce(sum(stream_txns), 0) FROM pg_stat_replication_slots WHERE slot_name = $1`, e.slotName()).Scan(&streamed))
	require.Positive(t, streamed, "the server streamed in-progress transactions")
}

// Consumers created while events are being written get exactly what start_at promises: 'all' every
// event, 'new' every event of a transaction their starting snapshot did not see, and nothing else.
func TestStartAtWhileEventsAreWritten(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startReader(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				e.insertEvents(t, e.syncA, "acme:widget", ids(string(rune('a'+w))+"-"+time.Now().Format("150405.000000")+"-", 1+i%7)...)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	var consumers []string
	for i := range 6 {
		time.Sleep(60 * time.Millisecond)
		start := "all"
		if i%2 == 1 {
			start = "new"
		}
		consumers = append(consumers, e.consumer(t, "c"+string(rune('0'+i)), "start_at => '"+start+"'"))
	}
	time.Sleep(100 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	total := len(e.allSeqs(t, ""))
	e.waitMessages(t, consumers[0], total)
	for i, c := range consumers {
		var want []int64
		if i%2 == 0 {
			want = e.allSeqs(t, "")
		} else {
			want = e.allSeqs(t, `NOT pg_visible_in_snapshot(sequin._xid8(xmin), (SELECT start_snapshot FROM sequin.consumers WHERE id = $1))`, c)
		}
		if i%2 == 1 {
			// Created mid-stream: it skips what came before and gets what came after.
			require.NotEmpty(t, want, "consumer %d", i)
			require.Less(t, len(want), total, "consumer %d", i)
		}
		e.waitMessages(t, c, len(want))
		require.Equal(t, want, e.messageSeqs(t, c), "consumer %d", i)
	}
}

// Consumers created before the slot exists (before the first start) get the events committed
// between their creation and the slot's.
func TestSlotCreationCatchesUp(t *testing.T) {
	t.Parallel()
	e := setup(t)
	before := e.insertEvents(t, e.syncA, "acme:widget", ids("before", 5)...)
	all := e.consumer(t, "all")
	fresh := e.consumer(t, "fresh", "start_at => 'new'")
	between := e.insertEvents(t, e.syncA, "acme:widget", ids("between", 6)...)
	e.startReader(t)
	after := e.insertEvents(t, e.syncA, "acme:widget", ids("after", 7)...)

	e.waitMessages(t, all, 18)
	e.waitMessages(t, fresh, 13)
	require.Equal(t, append(append(append([]int64{}, before...), between...), after...), e.messageSeqs(t, all))
	require.Equal(t, append(append([]int64{}, between...), after...), e.messageSeqs(t, fresh))
}

// When sequin.events is quiet, a reader with a consumer still confirms the server's WAL end, so the slot does not
// hold WAL written by other tables.
func TestIdleReaderConfirmsWALEnd(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.consumer(t, "quiet")
	r := e.startReader(t)
	_, err := e.db.Pool.Exec(ctx, `CREATE TABLE public.noise (id bigserial primary key, body text)`)
	require.NoError(t, err)
	_, err = e.db.Pool.Exec(ctx, `INSERT INTO public.noise (body) SELECT repeat('x', 500) FROM generate_series(1, 2000)`)
	require.NoError(t, err)
	var target string
	require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&target))
	require.Eventually(t, func() bool {
		var ok bool
		require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT confirmed_flush_lsn >= $2::pg_lsn FROM pg_replication_slots WHERE slot_name = $1`,
			r.Slot, target).Scan(&ok))
		return ok
	}, 15*time.Second, 50*time.Millisecond, "the slot's confirmed position passes the WAL written elsewhere")
}

// A killed replication connection is reopened and nothing is lost.
func TestReaderReconnects(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	c := e.consumer(t, "c")
	r := e.startReader(t)
	var want []int64
	for round := range 3 {
		want = append(want, e.insertEvents(t, e.syncA, "acme:widget", ids("r"+string(rune('0'+round)), 50)...)...)
		var killed bool
		require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT coalesce(bool_or(pg_terminate_backend(active_pid)), false)
			FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, r.Slot).Scan(&killed))
		want = append(want, e.insertEvents(t, e.syncA, "acme:widget", ids("s"+string(rune('0'+round)), 50)...)...)
	}
	e.waitMessages(t, c, len(want))
	require.Equal(t, want, e.messageSeqs(t, c))
}

// Of two readers of one slot, one streams and the other stands by; when the first stops, the second
// takes over and nothing is lost.
func TestStandbyReaderTakesOver(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.consumer(t, "c", "start_at => 'new'")
	run := func() (*stream.Reader, context.CancelFunc, chan error) {
		r := &stream.Reader{Pool: e.db.Pool, Slot: e.slotName(), Logger: quietLogger(),
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, StatusInterval: time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		return r, cancel, done
	}
	first, stopFirst, firstDone := run()
	waitReady(t, e.db.Pool, first, firstDone)
	second, stopSecond, secondDone := run()
	t.Cleanup(func() {
		stopSecond()
		require.NoError(t, <-secondDone)
		require.NoError(t, stream.DropSlot(context.Background(), e.db.Pool, e.slotName()))
	})

	want := e.insertEvents(t, e.syncA, "acme:widget", ids("a", 20)...)
	e.waitMessages(t, c, len(want))
	select {
	case <-second.Ready():
		t.Fatal("the standby streamed while the leader did")
	default:
	}
	stopFirst()
	require.NoError(t, <-firstDone)
	want = append(want, e.insertEvents(t, e.syncA, "acme:widget", ids("b", 20)...)...)
	waitReady(t, e.db.Pool, second, secondDone)
	want = append(want, e.insertEvents(t, e.syncA, "acme:widget", ids("c", 20)...)...)
	e.waitMessages(t, c, len(want))
	require.Equal(t, want, e.messageSeqs(t, c))
}

// Slot names are per server: with the default slot, the first database to have a consumer takes
// "sequin_events" and another database of the same server gets a slot named after it, which it
// keeps using even once "sequin_events" is free again. A database gets its slot with its first
// consumer, and if the name chosen when its reader started has been taken by then, it chooses again.
func TestDefaultSlotPerDatabase(t *testing.T) {
	ctx := context.Background()
	eA, eB, eC := setup(t), setup(t), setup(t)
	dbA, dbB, dbC := eA.db, eB.db, eC.db
	slotA, slotB := stream.DatabaseSlot(dbA.Name), stream.DatabaseSlot(dbB.Name)
	require.NotEqual(t, stream.DefaultSlot, slotB)
	require.LessOrEqual(t, len(slotB), 63)
	t.Cleanup(func() {
		for _, db := range []*pgtest.DB{dbA, dbB, dbC} {
			for _, slot := range []string{stream.DefaultSlot, stream.DatabaseSlot(db.Name)} {
				_ = stream.DropSlot(context.Background(), db.Pool, slot)
			}
		}
	})
	run := func(db *pgtest.DB) (*stream.Reader, context.CancelFunc, chan error) {
		r := &stream.Reader{Pool: db.Pool, Logger: quietLogger(),
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, StatusInterval: time.Second}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(rctx) }()
		waitReady(t, db.Pool, r, done)
		return r, cancel, done
	}
	slotsOf := func(db *pgtest.DB) []string {
		var slots []string
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(slot_name::text ORDER BY slot_name), '{}')
			FROM pg_replication_slots WHERE database = current_database()`).Scan(&slots))
		return slots
	}
	eA.consumer(t, "a")
	eB.consumer(t, "b")
	_, stopA, doneA := run(dbA)
	_, stopB, doneB := run(dbB)
	require.Equal(t, []string{stream.DefaultSlot}, slotsOf(dbA))
	require.Equal(t, []string{slotB}, slotsOf(dbB))

	stopA()
	require.NoError(t, <-doneA)
	require.NoError(t, stream.DropSlot(ctx, dbA.Pool, stream.DefaultSlot))
	stopB()
	require.NoError(t, <-doneB)
	_, stopB, doneB = run(dbB)
	require.Equal(t, []string{slotB}, slotsOf(dbB), "database B keeps its slot when sequin_events is free")

	// A's reader starts without a consumer (its own is dropped): it chooses sequin_events, free then,
	// but creates no slot. C takes the name meanwhile, and A's first consumer gets A's own name.
	_, err := dbA.Pool.Exec(ctx, `SELECT sequin.drop_consumer('a')`)
	require.NoError(t, err)
	_, stopA, doneA = run(dbA)
	require.Empty(t, slotsOf(dbA), "no slot without a consumer")
	eC.consumer(t, "c")
	_, stopC, doneC := run(dbC)
	require.Equal(t, []string{stream.DefaultSlot}, slotsOf(dbC))
	eA.consumer(t, "a2")
	require.Eventually(t, func() bool { return slices.Equal(slotsOf(dbA), []string{slotA}) }, 15*time.Second, 20*time.Millisecond,
		"database A takes the slot named after it")
	for _, stop := range []struct {
		cancel context.CancelFunc
		done   chan error
	}{{stopA, doneA}, {stopB, doneB}, {stopC, doneC}} {
		stop.cancel()
		require.NoError(t, <-stop.done)
	}
}
