package emulator

import (
	"sync"
	"time"
)

// limiter is a rolling-window request counter, like HubSpot's: at most limit requests are admitted in
// any window. Rejected requests do not count.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	times  []time.Time // admitted request times, oldest first
}

// take admits a request arriving at now and returns how many more the window admits.
func (l *limiter) take(now time.Time) (ok bool, remaining int) {
	if l == nil || l.limit <= 0 {
		return true, 0
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
		return false, 0
	}
	l.times = append(l.times, now)
	return true, l.limit - len(l.times)
}

// allow admits a request arriving at now.
func (l *limiter) allow(now time.Time) (bool, int) { return l.take(now) }
