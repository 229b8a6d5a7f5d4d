package stream_test

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A reader killed with SIGKILL while events stream in loses none of them: its successor resumes from
// the slot and every committed event reaches the outbox exactly once.
func TestKilledReaderLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	c := e.consumer(t, "c", "start_at => 'new'")
	slot := e.slotName()
	t.Cleanup(func() {
		// The child's walsender goes away with its connection; the slot is dropped after it.
		_ = dropSlotEventually(e, slot)
	})

	child := exec.Command(os.Args[0], "-test.run", "^$")
	child.Env = append(os.Environ(), childEnv+"=1", "CHILD_DATABASE_URL="+e.db.URL, "CHILD_SLOT="+slot)
	require.NoError(t, child.Start())
	var once sync.Once
	kill := func() { once.Do(func() { _ = child.Process.Signal(syscall.SIGKILL); _ = child.Wait() }) }
	t.Cleanup(kill)

	require.Eventually(t, func() bool {
		var active bool
		_ = e.db.Pool.QueryRow(ctx, `SELECT active FROM pg_replication_slots WHERE slot_name = $1`, slot).Scan(&active)
		return active
	}, 30*time.Second, 10*time.Millisecond, "the child reader takes the slot")

	// Write events without pause until told to stop, in transactions of a few events each.
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		written atomic.Int64
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			n := len(e.insertEvents(t, e.syncA, "acme:widget", ids("k"+time.Now().Format("150405.000000")+"-", 1+i%5)...))
			written.Add(int64(n))
		}
	}()

	// Kill the child once it has fanned out part of the stream.
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.consumer_messages WHERE consumer_id = $1`, c).Scan(&n))
		return n >= 300
	}, 30*time.Second, 10*time.Millisecond, "the child reader streams")
	kill()
	// Events keep coming while no reader runs, then a new reader takes the slot over.
	target := written.Load() + 300
	require.Eventually(t, func() bool { return written.Load() >= target }, 30*time.Second, 5*time.Millisecond)
	e.startReader(t)
	target = written.Load() + 300
	require.Eventually(t, func() bool { return written.Load() >= target }, 30*time.Second, 5*time.Millisecond)
	stop.Store(true)
	wg.Wait()

	want := e.allSeqs(t, "")
	e.waitMessages(t, c, len(want))
	require.Equal(t, want, e.messageSeqs(t, c))
}

func dropSlotEventually(e *env, slot string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		_, err := e.db.Pool.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, slot)
		if err == nil || ctx.Err() != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
