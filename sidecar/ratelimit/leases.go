package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// minLeaseWait and maxLeaseWait bound the backoff of a caller polling for a free lease.
	minLeaseWait = 2 * time.Millisecond
	maxLeaseWait = 50 * time.Millisecond
	// leaseRowsRecheck is how often a caller that finds no free lease makes sure the rows exist (they
	// vanish when the database crashes, the table being unlogged).
	leaseRowsRecheck = 5 * time.Second
	// releaseTimeout bounds the statements that take and give back a lease.
	releaseTimeout = 5 * time.Second
)

const (
	leaseRowsSQL = `
INSERT INTO sequin.rate_limit_leases (credential_id, slot)
SELECT $1, g FROM generate_series(0, $2::int - 1) g
ON CONFLICT DO NOTHING`

	leaseAcquireSQL = `
WITH free AS (
    SELECT credential_id, slot FROM sequin.rate_limit_leases
     WHERE credential_id = $1 AND slot < $2 AND expires_at <= now()
     ORDER BY slot
     LIMIT 1
       FOR UPDATE SKIP LOCKED)
UPDATE sequin.rate_limit_leases l
   SET holder = $3, token = $4, acquired_at = now(), expires_at = now() + $5 * interval '1 millisecond'
  FROM free
 WHERE l.credential_id = free.credential_id AND l.slot = free.slot
RETURNING l.slot`

	leaseRenewSQL = `
UPDATE sequin.rate_limit_leases SET expires_at = now() + $5 * interval '1 millisecond'
 WHERE credential_id = $1 AND slot = $2 AND holder = $3 AND token = $4 AND expires_at > now()`

	leaseReleaseSQL = `
UPDATE sequin.rate_limit_leases SET holder = NULL, token = NULL, expires_at = now()
 WHERE credential_id = $1 AND holder = $2 AND token = $3`
)

// acquireLease takes a free concurrency lease of the credential, polling until one is free.
func (l *limiter) acquireLease(ctx context.Context, cfg *config) (*lease, error) {
	limit := cfg.rl.MaxConcurrentRequests
	ttl := l.store.leaseTTL()
	holder := l.store.holder()
	wait := minLeaseWait
	for polls := 0; ; polls++ {
		l.mu.Lock()
		freed := l.leaseFreed
		ensure := l.leaseRows != limit || (polls > 0 && time.Since(l.leaseRowsAt) > leaseRowsRecheck)
		l.mu.Unlock()
		if ensure {
			if err := l.ensureLeaseRows(ctx, limit); err != nil {
				return nil, err
			}
		}
		token := l.store.tokens.Add(1)
		ls, err := l.tryLease(ctx, limit, holder, token, ttl)
		if err != nil || ls != nil {
			return ls, err
		}
		if polls == 0 {
			l.store.logger().DebugContext(ctx, "waiting for a concurrency lease", "credential_id", l.credentialID, "max_concurrent_requests", limit)
		}
		timer := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-freed:
		case <-timer.C:
		}
		timer.Stop()
		wait = min(wait*3/2, maxLeaseWait)
	}
}

// tryLease takes a free lease if there is one, and returns nil when there is none. The statement
// never waits for locks, and it is not interrupted when ctx ends: an interrupted statement may still
// commit on the server after the client gave up on it, leaving a lease nobody knows of.
func (l *limiter) tryLease(ctx context.Context, limit int, holder string, token int64, ttl time.Duration) (*lease, error) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	var slot int
	err := l.store.Pool.QueryRow(qctx, leaseAcquireSQL, l.credentialID, limit, holder, token, ttlMS(ttl)).Scan(&slot)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		if qctx.Err() != nil {
			// Whatever the statement did, give back what this token holds.
			l.releaseToken(holder, token)
		}
		return nil, fmt.Errorf("taking a concurrency lease: %w", err)
	}
	ls := &lease{l: l, slot: slot, holder: holder, token: token, ttl: ttl, expires: time.Now().Add(ttl)}
	if ctx.Err() != nil {
		ls.release()
		return nil, ctx.Err()
	}
	ls.mu.Lock()
	ls.timer = time.AfterFunc(ttl/3, ls.renew)
	ls.mu.Unlock()
	return ls, nil
}

// ensureLeaseRows creates the lease rows 0..limit-1 of the credential that do not exist yet.
func (l *limiter) ensureLeaseRows(ctx context.Context, limit int) error {
	if _, err := l.store.Pool.Exec(ctx, leaseRowsSQL, l.credentialID, limit); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("creating concurrency leases: %w", err)
	}
	l.mu.Lock()
	l.leaseRows, l.leaseRowsAt = limit, time.Now()
	l.mu.Unlock()
	return nil
}

// releaseToken gives back the lease taken with token, if any.
func (l *limiter) releaseToken(holder string, token int64) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if _, err := l.store.Pool.Exec(ctx, leaseReleaseSQL, l.credentialID, holder, token); err != nil {
		l.store.logger().DebugContext(ctx, "giving back a concurrency lease failed; it will expire",
			"credential_id", l.credentialID, "error", err)
	}
}

// notifyLeaseFreed wakes this process's callers waiting for a lease.
func (l *limiter) notifyLeaseFreed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.leaseFreed)
	l.leaseFreed = make(chan struct{})
}

// lease is a concurrency lease held by a request in flight. It is renewed every third of its TTL
// until released, so that only a dead process loses its leases.
type lease struct {
	l      *limiter
	slot   int
	holder string
	token  int64
	ttl    time.Duration

	// mu is held during a renewal, so that release waits for it.
	mu    sync.Mutex
	done  bool
	timer *time.Timer
	// expires is when the lease expires unless renewed, as far as this process knows.
	expires time.Time
}

// renew extends the lease and schedules the next renewal.
func (ls *lease) renew() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.done {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ls.ttl/3)
	defer cancel()
	sent := time.Now()
	tag, err := ls.l.store.Pool.Exec(ctx, leaseRenewSQL, ls.l.credentialID, ls.slot, ls.holder, ls.token, ttlMS(ls.ttl))
	switch {
	case err != nil:
		ls.l.store.logger().Debug("renewing a concurrency lease failed", "credential_id", ls.l.credentialID, "slot", ls.slot, "error", err)
		if time.Now().After(ls.expires) {
			return
		}
	case tag.RowsAffected() == 0:
		ls.l.store.logger().Debug("concurrency lease expired before renewal", "credential_id", ls.l.credentialID, "slot", ls.slot)
		return
	default:
		ls.expires = sent.Add(ls.ttl)
	}
	ls.timer = time.AfterFunc(ls.ttl/3, ls.renew)
}

// release gives the lease back.
func (ls *lease) release() {
	ls.mu.Lock()
	ls.done = true
	if ls.timer != nil {
		ls.timer.Stop()
	}
	ls.mu.Unlock()
	ls.l.releaseToken(ls.holder, ls.token)
}

func ttlMS(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
