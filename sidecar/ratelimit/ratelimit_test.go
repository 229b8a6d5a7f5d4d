package ratelimit_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sidecar/ratelimit"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// Two sidecars (separate pools) share one credential's budget: the server never sees more than the
// budget in any sliding window, and together they use at least 90% of it (unless the machine starves
// them of CPU). It measures timing, so it does not run in parallel with the other tests.
func TestRateSharedAcrossSidecars(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 10s")
	}
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	rec, srv := startRecorder(t, 0)
	rl := providers.RateLimit{AllowedRequests: 40, IntervalMS: 1000}
	a, _ := newSidecarStore(t, db)
	b, _ := newSidecarStore(t, db)
	logs := &countingHandler{}
	a.Logger, b.Logger = slog.New(logs), slog.New(logs)

	const run = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	counts := hammer(ctx, t, srv.URL, 4, a.For(cred, rl), b.For(cred, rl))

	arrivals, _ := rec.snapshot()
	most, tightest, at := maxInWindow(arrivals, rl.Interval(), rl.AllowedRequests)
	budget := float64(run) / float64(rl.Interval()) * float64(rl.AllowedRequests)
	achieved := float64(len(arrivals)) / budget
	worst, p99 := rec.delivery()
	t.Logf("%d requests in %s (sidecar shares %v): at most %d in any %s window (allowed %d); "+
		"tightest %d consecutive requests spanned %s (client to server %s and %s); achieved %.1f%% of the budget; "+
		"client to server: worst %s, p99 %s; log: %v",
		len(arrivals), run, counts, most, rl.Interval(), rl.AllowedRequests, rl.AllowedRequests+1, tightest,
		rec.delayOf(arrivals[at]), rec.delayOf(arrivals[at+rl.AllowedRequests]), 100*achieved, worst, p99, logs.snapshot())
	require.LessOrEqual(t, most, rl.AllowedRequests, "requests in one sliding window")
	// The limiter must hand out at least 90% of the budget. A slot whose client woke up too late to use
	// it safely (the process got no CPU in time) is forfeited, not sent late: those are the machine's
	// loss, so the pair must use 90% when none was forfeited, and keep going when some were.
	forfeited := logs.snapshot()["rate slot forfeited: woke up late"]
	handedOut := float64(len(arrivals)+forfeited) / budget
	t.Logf("handed out %.1f%% of the budget (%d slots forfeited by late wake-ups)", 100*handedOut, forfeited)
	require.GreaterOrEqual(t, handedOut, 0.90, "share of the budget handed out")
	if forfeited == 0 {
		require.GreaterOrEqual(t, achieved, 0.90, "share of the budget used")
	} else {
		require.GreaterOrEqual(t, achieved, 0.5, "share of the budget used on a starved machine")
	}
	for i, n := range counts {
		require.Positive(t, n, "sidecar %d got no requests through", i)
	}
	granted, allowed := a.Usage(cred)
	require.Equal(t, rl.AllowedRequests, allowed)
	require.LessOrEqual(t, granted, rl.AllowedRequests)
}

// The budget holds when both the rate and the concurrency are bounded.
func TestRateAndConcurrencyTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 3s")
	}
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	rec, srv := startRecorder(t, 40*time.Millisecond)
	rl := providers.RateLimit{AllowedRequests: 50, IntervalMS: 1000, MaxConcurrentRequests: 2}
	a, _ := newSidecarStore(t, db)
	b, _ := newSidecarStore(t, db)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	hammer(ctx, t, srv.URL, 4, a.For(cred, rl), b.For(cred, rl))

	arrivals, maxInFlight := rec.snapshot()
	most, _, _ := maxInWindow(arrivals, rl.Interval(), rl.AllowedRequests)
	t.Logf("%d requests, at most %d per window, at most %d in flight", len(arrivals), most, maxInFlight)
	require.LessOrEqual(t, most, rl.AllowedRequests)
	require.LessOrEqual(t, maxInFlight, rl.MaxConcurrentRequests)
	require.Zero(t, heldLeases(t, db, cred), "every lease given back")
}

// A zero budget is unlimited: Acquire returns at once and touches no table.
func TestUnlimited(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	store := ratelimit.NewStore(db.Pool, nil)
	lim := store.For(cred, providers.RateLimit{})
	start := time.Now()
	for range 10000 {
		release, err := lim.Acquire(context.Background())
		require.NoError(t, err)
		release()
		release()
	}
	require.Less(t, time.Since(start), time.Second)
	var rows int
	require.NoError(t, db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sequin.rate_limits`).Scan(&rows))
	require.Zero(t, rows)
	granted, allowed := store.Usage(cred)
	require.Equal(t, 10000, granted)
	require.Zero(t, allowed)
	g, a := store.Usage("00000000-0000-0000-0000-000000000000")
	require.Zero(t, g)
	require.Zero(t, a)
}

// A cancelled or expiring context ends a wait for a rate slot promptly.
func TestCancelWhileWaitingForSlot(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	store := ratelimit.NewStore(db.Pool, nil)
	lim := store.For(cred, providers.RateLimit{AllowedRequests: 1, IntervalMS: 10_000})

	release, err := lim.Acquire(context.Background())
	require.NoError(t, err)
	release()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = lim.Acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 500*time.Millisecond)

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = lim.Acquire(cancelled)
	require.ErrorIs(t, err, context.Canceled)
}

// A new budget for a credential applies at once, from the last slot handed out.
func TestBudgetChange(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	cred := newCredential(t, db)
	store := ratelimit.NewStore(db.Pool, nil)
	slow := store.For(cred, providers.RateLimit{AllowedRequests: 1, IntervalMS: 10_000})
	release, err := slow.Acquire(context.Background())
	require.NoError(t, err)
	release()

	fast := store.For(cred, providers.RateLimit{AllowedRequests: 100, IntervalMS: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	for range 5 {
		release, err := fast.Acquire(ctx)
		require.NoError(t, err)
		release()
	}
	require.Less(t, time.Since(start), time.Second, "the faster budget applies")
	granted, allowed := store.Usage(cred)
	require.Equal(t, 5, granted, "a new interval starts a new count")
	require.Equal(t, 100, allowed)
}
