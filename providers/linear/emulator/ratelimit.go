package emulator

import (
	"sync"
	"time"
)

// budget is a sliding-window allowance: at most limit units (requests, or complexity points) are
// admitted in any window. Refused requests spend nothing. Linear refills a leaky bucket; a sliding
// window admits the same long-run rate and is easier to reason about in tests.
type budget struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	spent  []spend // oldest first
	total  int
}

type spend struct {
	at    time.Time
	units int
}

// expire drops what left the window at now; b.mu must be held.
func (b *budget) expire(now time.Time) {
	cut := now.Add(-b.window)
	i := 0
	for i < len(b.spent) && !b.spent[i].at.After(cut) {
		b.total -= b.spent[i].units
		i++
	}
	b.spent = b.spent[i:]
}

// state returns the units remaining and when the window frees units again (the oldest spend's expiry,
// or a full window from now when nothing is spent).
func (b *budget) state(now time.Time) (remaining int, reset time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	reset = now.Add(b.window)
	if len(b.spent) > 0 {
		reset = b.spent[0].at.Add(b.window)
	}
	return b.limit - b.total, reset
}

// take spends units if the window has them, and reports whether it did.
func (b *budget) take(now time.Time, units int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	if b.total+units > b.limit {
		return false
	}
	b.spent = append(b.spent, spend{at: now, units: units})
	b.total += units
	return true
}

// resetAfter returns when enough units will have left the window for units more to fit.
func (b *budget) resetAfter(now time.Time, units int) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	need := b.total + units - b.limit
	for _, s := range b.spent {
		need -= s.units
		if need <= 0 {
			return s.at.Add(b.window)
		}
	}
	return now.Add(b.window)
}
