package stream_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/stream"
)

// With no consumer, the reader creates no slot; once it has one, it lets go of it and advances it
// while events are written. A consumer created at any moment of that still gets exactly what
// start_at promises. Each round the
// reader is dormant for a while, a consumer is created while events are written, its messages are
// checked against its start snapshot, and it is dropped, so the reader goes dormant again.
func TestDormantReaderAdvancesSafely(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	r := e.startReader(t, func(r *stream.Reader) {
		r.DormantAfter, r.DormantTick = 50*time.Millisecond, 15*time.Millisecond
	})
	var (
		stop   atomic.Bool
		paused sync.RWMutex // writers hold it shared for each transaction
		wg     sync.WaitGroup
	)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				paused.RLock()
				e.insertEvents(t, e.syncA, "acme:widget", ids(fmt.Sprintf("%c-%d-", 'a'+w, i), 1+i%5)...)
				paused.RUnlock()
				time.Sleep(time.Millisecond)
			}
		}()
	}
	t.Cleanup(func() { stop.Store(true); wg.Wait() })

	slot := func() (exists, active bool, confirmed string) {
		require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) > 0, coalesce(bool_or(active), false),
			coalesce(max(confirmed_flush_lsn)::text, '') FROM pg_replication_slots WHERE slot_name = $1`,
			r.Slot).Scan(&exists, &active, &confirmed))
		return exists, active, confirmed
	}
	// No consumer yet (the reader is ready, and dormant): no slot either.
	exists, _, _ := slot()
	require.False(t, exists, "a slot before the first consumer")
	for round := range 6 {
		// Dormant: the slot is let go of, and it moves on while events are written.
		var from string
		require.Eventually(t, func() bool {
			exists, active, confirmed := slot()
			if round == 0 {
				return !exists
			}
			if !exists || active {
				return false
			}
			if from == "" {
				from = confirmed
				return false
			}
			var moved bool
			require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT $1::pg_lsn > $2::pg_lsn`, confirmed, from).Scan(&moved))
			return moved
		}, 15*time.Second, 10*time.Millisecond, "round %d: the dormant reader advances the slot", round)

		start := "new"
		if round%2 == 1 {
			start = "all"
		}
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		c := e.consumer(t, fmt.Sprintf("c%d", round), "start_at => '"+start+"'")
		// The first consumer brings the slot, whose creation waits for the server's next record of
		// running transactions (every 15 s when busy); a checkpoint writes one at once.
		require.Eventually(t, func() bool {
			_, err := e.db.Pool.Exec(ctx, "CHECKPOINT")
			require.NoError(t, err)
			exists, _, _ := slot()
			return exists
		}, 30*time.Second, 200*time.Millisecond, "round %d: the slot is created with a consumer", round)
		time.Sleep(150 * time.Millisecond)

		func() {
			// Checked with the writers held, so that the stream can catch up with every event.
			paused.Lock()
			defer paused.Unlock()
			want := e.allSeqs(t, "")
			if start == "new" {
				want = e.allSeqs(t, `NOT pg_visible_in_snapshot(sequin._xid8(xmin), (SELECT start_snapshot FROM sequin.consumers WHERE id = $1))`, c)
				require.NotEmpty(t, want, "round %d: events after the consumer's creation", round)
			}
			e.waitMessages(t, c, len(want))
			require.Equal(t, want, e.messageSeqs(t, c), "round %d: consumer %s (start_at %s)", round, c, start)
			_, err := e.db.Pool.Exec(ctx, `SELECT sequin.drop_consumer($1)`, c)
			require.NoError(t, err)
		}()
	}
}

// A reader whose last consumer is dropped goes dormant even when no event is written (no batch says
// so): the slot is let go of.
func TestQuietReaderGoesDormant(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	c := e.consumer(t, "quiet")
	r := e.startReader(t, func(r *stream.Reader) {
		r.DormantAfter, r.DormantTick = 50*time.Millisecond, 15*time.Millisecond
	})
	active := func() bool {
		var a bool
		require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = $1`,
			r.Slot).Scan(&a))
		return a
	}
	require.Eventually(t, active, 15*time.Second, 10*time.Millisecond, "streaming to the consumer")
	_, err := e.db.Pool.Exec(ctx, `SELECT sequin.drop_consumer($1)`, c)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !active() }, 15*time.Second, 10*time.Millisecond, "dormant without consumers")
}
