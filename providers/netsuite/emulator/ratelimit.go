package emulator

import (
	"sync"
	"time"
)

// limiter is a sliding-window request counter standing in for NetSuite's account concurrency and
// frequency limits: at most limit requests are admitted in any window. Rejected requests do not count.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	times  []time.Time // admitted request times, oldest first
}

// allow admits a request arriving at now.
func (l *limiter) allow(now time.Time) bool {
	if l == nil || l.limit <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-l.window)
	i := 0
	for i < len(l.times) && !l.times[i].After(cut) {
		i++
	}
	l.times = l.times[i:]
	if len(l.times) >= l.limit {
		return false
	}
	l.times = append(l.times, now)
	return true
}
