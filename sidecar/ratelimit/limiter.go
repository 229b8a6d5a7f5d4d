package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const (
	// slotStretch lengthens the spacing of slots beyond interval/allowed_requests, so that any
	// allowed_requests+1 slots span the interval plus 6%. A quarter of that margin absorbs a waiter
	// waking up late (lateTolerance); the rest absorbs what happens after Acquire returns
	// (scheduling, the HTTP client, the network to the server) and the error of the database clock
	// estimate, which vary more. With 4%, a busy two-core host delayed one request in a few hundred
	// by more than the 30 ms that left, and the server saw allowed_requests+1 in one interval.
	slotStretch = 1.06
	// lateTolerance is how late, as a fraction of the interval, a waiter may take its slot.
	lateTolerance = (slotStretch - 1) / 4
	// batchSpan is how much of this process's demand one reservation of slots covers.
	batchSpan = 100 * time.Millisecond
	// maxBatch bounds the slots of one reservation.
	maxBatch = 1000
)

// config is a budget and what derives from it; a new one replaces it when the budget changes.
type config struct {
	rl providers.RateLimit
	// emission is the spacing of slots, 0 when the rate is unlimited.
	emission time.Duration
	// tolerance is how late a slot may be taken.
	tolerance time.Duration
	// batch bounds the slots of one reservation (about batchSpan of the budget); maxBatch bounds it
	// when the database is slow.
	batch, maxBatch int
	// sem bounds requests in flight in this process, nil when concurrency is unlimited.
	sem chan struct{}
}

func newConfig(rl providers.RateLimit) *config {
	c := &config{rl: rl}
	if rl.AllowedRequests > 0 && rl.IntervalMS > 0 {
		interval := rl.Interval()
		c.emission = max(time.Duration(math.Ceil(float64(interval)*slotStretch/float64(rl.AllowedRequests))), time.Nanosecond)
		c.tolerance = time.Duration(float64(interval) * lateTolerance)
		c.maxBatch = max(1, min(rl.AllowedRequests/2, maxBatch))
		c.batch = max(1, min(int(batchSpan/c.emission), c.maxBatch))
	}
	if rl.MaxConcurrentRequests > 0 {
		c.sem = make(chan struct{}, rl.MaxConcurrentRequests)
	}
	return c
}

// limiter is the limiter of one credential in one process.
type limiter struct {
	store        *Store
	credentialID string

	mu  sync.Mutex
	cfg *config
	// slots are reserved slots not yet taken, as local times in ascending order.
	slots []time.Time
	// lastSlot is the latest slot ever queued: a run is never queued closer to it than the spacing.
	lastSlot time.Time
	// refill is open while a reservation is under way and closed when it ends.
	refill chan struct{}
	// waiting counts callers waiting for a reservation.
	waiting int
	// rtt is the smoothed round trip of reservations.
	rtt time.Duration
	// granted counts grants over the budget's interval (Usage); recent over batchSpan (batch sizes).
	granted *counter
	recent  *counter
	// leaseFreed is closed and replaced whenever this process gives a lease back.
	leaseFreed chan struct{}
	// leaseRows is the concurrency for which lease rows were last ensured, and when.
	leaseRows   int
	leaseRowsAt time.Time
}

var _ providers.Limiter = (*limiter)(nil)

// configure applies a budget, keeping the current one when it is unchanged.
func (l *limiter) configure(rl providers.RateLimit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg != nil && l.cfg.rl == rl {
		return
	}
	old := l.cfg
	l.cfg = newConfig(rl)
	if old == nil || old.rl.IntervalMS != rl.IntervalMS {
		l.granted = newCounter(max(rl.Interval(), time.Second), 20)
	}
	if l.recent == nil {
		l.recent = newCounter(batchSpan, 10)
		l.leaseFreed = make(chan struct{})
	}
}

// Acquire waits for a concurrency lease (when the budget bounds concurrency) and then for a rate
// slot (when it bounds the rate). The returned release gives the lease back; calling it again does
// nothing.
func (l *limiter) Acquire(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	cfg := l.cfg
	l.mu.Unlock()

	release := func() {}
	if cfg.sem != nil {
		select {
		case cfg.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		ls, err := l.acquireLease(ctx, cfg)
		if err != nil {
			<-cfg.sem
			return nil, err
		}
		var once sync.Once
		release = func() {
			once.Do(func() {
				ls.release()
				<-cfg.sem
				l.notifyLeaseFreed()
			})
		}
	}
	if cfg.emission > 0 {
		if err := l.waitSlot(ctx, cfg); err != nil {
			release()
			return nil, err
		}
	}
	now := time.Now()
	l.mu.Lock()
	l.granted.add(now)
	l.recent.add(now)
	l.mu.Unlock()
	return release, nil
}

// usage returns the grants over the last interval and the allowed requests.
func (l *limiter) usage(now time.Time) (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rl := l.cfg.rl
	if rl.AllowedRequests <= 0 || rl.IntervalMS <= 0 {
		return l.granted.sum(now, time.Second), 0
	}
	return l.granted.sum(now, rl.Interval()), rl.AllowedRequests
}

// sleepUntil waits until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
