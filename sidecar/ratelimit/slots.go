package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// reserveSQL reserves $2 microseconds worth of consecutive slots spaced $3 microseconds apart for
// credential $1, and returns the end of the run together with a reading of the database clock. The
// run starts one spacing after the last slot handed out (with the spacing of the current budget, so
// that a changed budget applies at once), and no earlier than $4 microseconds from now, so that its
// first slot has not passed by the time the answer is read. The upsert locks the row before it
// evaluates clock_timestamp(), so a run reserved after waiting for the lock still starts on time.
const reserveSQL = `
INSERT INTO sequin.rate_limits AS r (credential_id, next_slot_at, emission_us, updated_at)
VALUES ($1, clock_timestamp() + ($4::bigint + $2::bigint) * interval '1 microsecond', $3::bigint, clock_timestamp())
ON CONFLICT (credential_id) DO UPDATE
   SET next_slot_at = greatest(r.next_slot_at + ($3::bigint - r.emission_us) * interval '1 microsecond',
                               clock_timestamp() + $4::bigint * interval '1 microsecond')
                      + $2::bigint * interval '1 microsecond',
       emission_us = $3::bigint,
       updated_at = clock_timestamp()
RETURNING next_slot_at, clock_timestamp()`

// waitSlot takes the earliest reserved slot, reserving more when none is left, and sleeps until it.
func (l *limiter) waitSlot(ctx context.Context, cfg *config) error {
	for {
		l.mu.Lock()
		now := time.Now()
		for len(l.slots) > 0 && now.Sub(l.slots[0]) > cfg.tolerance {
			l.slots = l.slots[1:]
		}
		if len(l.slots) > 0 {
			slot := l.slots[0]
			l.slots = l.slots[1:]
			// Taking the last slot with time to spare while others want slots too: reserve the next
			// run while waiting for this one, so that they do not wait for the database.
			var refill chan struct{}
			k := l.waiting + l.recent.sum(now, batchSpan)
			if len(l.slots) == 0 && l.refill == nil && k > 0 && slot.Sub(now) > 3*l.rtt+time.Millisecond {
				refill = make(chan struct{})
				l.refill = refill
				k = l.batchSize(cfg, k)
			}
			l.mu.Unlock()
			if refill != nil {
				if err := l.reserve(ctx, cfg, k); err != nil && ctx.Err() == nil {
					l.store.logger().DebugContext(ctx, "reserving rate slots ahead failed", "credential_id", l.credentialID, "error", err)
				}
				l.endRefill(refill)
			}
			if err := sleepUntil(ctx, slot); err != nil {
				l.giveBack(slot, cfg.tolerance)
				return err
			}
			if late := time.Since(slot); late > cfg.tolerance {
				l.store.logger().DebugContext(ctx, "rate slot forfeited: woke up late", "credential_id", l.credentialID, "late", late)
				continue
			}
			return nil
		}
		if ch := l.refill; ch != nil {
			l.waiting++
			l.mu.Unlock()
			var err error
			select {
			case <-ch:
			case <-ctx.Done():
				err = ctx.Err()
			}
			l.mu.Lock()
			l.waiting--
			l.mu.Unlock()
			if err != nil {
				return err
			}
			continue
		}
		refill := make(chan struct{})
		l.refill = refill
		k := l.batchSize(cfg, l.waiting+1+l.recent.sum(now, batchSpan))
		l.mu.Unlock()
		err := l.reserve(ctx, cfg, k)
		l.endRefill(refill)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
}

// endRefill marks the reservation under way as over and wakes its waiters.
func (l *limiter) endRefill(refill chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill = nil
	close(refill)
}

// batchSize bounds the number of slots wanted for one reservation: normally what covers batchSpan
// of the budget, more when the database answers slowly. Called with l.mu held.
func (l *limiter) batchSize(cfg *config, wanted int) int {
	limit := max(cfg.batch, min(int(4*l.rtt/cfg.emission), cfg.maxBatch))
	return max(1, min(wanted, limit))
}

// reserve reserves k consecutive slots in the database and queues them locally.
func (l *limiter) reserve(ctx context.Context, cfg *config, k int) error {
	spanUS := ceilMicros(time.Duration(k) * cfg.emission)
	l.mu.Lock()
	lead := min(2*l.rtt+time.Millisecond, batchSpan)
	l.mu.Unlock()
	conn, err := l.store.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("reserving rate slots: %w", err)
	}
	defer conn.Release()
	var end, dbNow time.Time
	sent := time.Now()
	err = conn.QueryRow(ctx, reserveSQL, l.credentialID, spanUS, ceilMicros(cfg.emission), ceilMicros(lead)).Scan(&end, &dbNow)
	received := time.Now()
	if err != nil {
		return fmt.Errorf("reserving rate slots: %w", err)
	}
	rtt := received.Sub(sent)
	clock := &l.store.clock
	clock.observe(sent, received, dbNow)
	first := clock.toLocal(end.Add(-time.Duration(spanUS) * time.Microsecond))
	l.mu.Lock()
	if l.rtt == 0 {
		l.rtt = rtt
	} else {
		l.rtt = (7*l.rtt + rtt) / 8
	}
	first = l.queueRun(first, k, cfg.emission)
	l.mu.Unlock()
	l.store.logger().DebugContext(ctx, "reserved rate slots", "credential_id", l.credentialID,
		"slots", k, "first_in", time.Until(first), "round_trip", rtt)
	return nil
}

// queueRun queues k slots spaced emission apart from first, and returns the first one queued. Runs
// are reserved one after the other, so each starts after the last slot queued in database time. When
// the estimate of the database clock moved earlier since that slot was queued (a reading with a
// quicker round trip replaced a poor one), the run maps onto local times that overlap it: it starts
// one spacing after it instead. A request sent late wastes a little of the budget; two requests
// bunched together exceed it. Every slot queued (given back ones too) is at most lastSlot, so the
// queue stays in ascending order. Called with l.mu held.
func (l *limiter) queueRun(first time.Time, k int, emission time.Duration) time.Time {
	if floor := l.lastSlot.Add(emission); first.Before(floor) {
		first = floor
	}
	for i := range k {
		l.slots = append(l.slots, first.Add(time.Duration(i)*emission))
	}
	l.lastSlot = first.Add(time.Duration(k-1) * emission)
	return first
}

// giveBack returns an untaken slot to the queue, unless it is already too late to use.
func (l *limiter) giveBack(slot time.Time, tolerance time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(slot) > tolerance {
		return
	}
	i, _ := slices.BinarySearchFunc(l.slots, slot, time.Time.Compare)
	l.slots = slices.Insert(l.slots, i, slot)
}

// ceilMicros returns d in whole microseconds, rounded up.
func ceilMicros(d time.Duration) int64 {
	return int64((d + time.Microsecond - 1) / time.Microsecond)
}
