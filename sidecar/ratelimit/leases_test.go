package ratelimit_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// Two sidecars never have more than max_concurrent_requests in flight at the server together.
func TestConcurrencySharedAcrossSidecars(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 3s")
	}
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	const hold = 20 * time.Millisecond
	rec, srv := startRecorder(t, hold)
	rl := providers.RateLimit{MaxConcurrentRequests: 3}
	a, _ := newSidecarStore(t, db)
	b, _ := newSidecarStore(t, db)

	const run = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	counts := hammer(ctx, t, srv.URL, 6, a.For(cred, rl), b.For(cred, rl))

	arrivals, maxInFlight := rec.snapshot()
	ceiling := float64(run) / float64(hold) * float64(rl.MaxConcurrentRequests)
	t.Logf("%d requests (sidecar shares %v), at most %d in flight (allowed %d), %.0f%% of the concurrency used",
		len(arrivals), counts, maxInFlight, rl.MaxConcurrentRequests, 100*float64(len(arrivals))/ceiling)
	require.LessOrEqual(t, maxInFlight, rl.MaxConcurrentRequests)
	require.Equal(t, rl.MaxConcurrentRequests, maxInFlight, "the concurrency is used")
	require.Zero(t, heldLeases(t, db, cred), "every lease given back")
}

// A cancelled wait for a lease returns promptly and leaves no lease behind.
func TestCancelWhileWaitingForLease(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	rl := providers.RateLimit{MaxConcurrentRequests: 1}
	a, _ := newSidecarStore(t, db)
	b, _ := newSidecarStore(t, db)

	releaseA, err := a.For(cred, rl).Acquire(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, heldLeases(t, db, cred))

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = b.For(cred, rl).Acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 500*time.Millisecond)

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = b.For(cred, rl).Acquire(cancelled)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, heldLeases(t, db, cred), "the cancelled waits took no lease")

	releaseA()
	releaseA()
	require.Zero(t, heldLeases(t, db, cred))

	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	start = time.Now()
	releaseB, err := b.For(cred, rl).Acquire(ctx2)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 500*time.Millisecond)
	releaseB()
	require.Zero(t, heldLeases(t, db, cred))
}

// A lease whose holder died (and so stopped renewing it) is taken over once it expires.
func TestCrashedHolderLeaseExpires(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	rl := providers.RateLimit{MaxConcurrentRequests: 1}
	crashed, crashedPool := newSidecarStore(t, db)
	crashed.LeaseTTL = time.Second
	_, err := crashed.For(cred, rl).Acquire(context.Background())
	require.NoError(t, err)
	crashedPool.Close() // the process dies holding its lease

	survivor, _ := newSidecarStore(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	release, err := survivor.For(cred, rl).Acquire(ctx)
	require.NoError(t, err)
	waited := time.Since(start)
	release()
	t.Logf("lease reclaimed after %s", waited)
	require.Greater(t, waited, 500*time.Millisecond, "the lease was held until it expired")
	require.Less(t, waited, 3*time.Second)
}

// A lease held by a living request is renewed beyond its TTL.
func TestHeldLeaseIsRenewed(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	rl := providers.RateLimit{MaxConcurrentRequests: 1}
	holder, _ := newSidecarStore(t, db)
	holder.LeaseTTL = 300 * time.Millisecond
	release, err := holder.For(cred, rl).Acquire(context.Background())
	require.NoError(t, err)

	other, _ := newSidecarStore(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = other.For(cred, rl).Acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the renewed lease stayed taken")

	release()
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	releaseOther, err := other.For(cred, rl).Acquire(ctx2)
	require.NoError(t, err)
	releaseOther()
}

// Limiters leave no goroutine behind: renewals stop with their lease, cancelled waits end. It counts
// the process's goroutines, so it does not run in parallel with the other tests.
func TestNoGoroutineLeaks(t *testing.T) {
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	store, _ := newSidecarStore(t, db)
	store.LeaseTTL = 150 * time.Millisecond
	lim := store.For(cred, providers.RateLimit{AllowedRequests: 100, IntervalMS: 1000, MaxConcurrentRequests: 2})
	release, err := lim.Acquire(context.Background())
	require.NoError(t, err)
	release()
	time.Sleep(100 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(50+50*i)*time.Millisecond)
			defer cancel()
			for ctx.Err() == nil {
				release, err := lim.Acquire(ctx)
				if err != nil {
					return
				}
				time.Sleep(120 * time.Millisecond) // outlives a renewal period
				release()
			}
		})
	}
	wg.Wait()
	require.Zero(t, heldLeases(t, db, cred))
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d, before: %d\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
}
