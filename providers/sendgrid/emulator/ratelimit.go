package emulator

import (
	"sync"
	"time"
)

// limiter is a sliding-window request counter: at most limit requests are admitted in any window.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	times  []time.Time
}

// allow admits a request arriving at now, or returns how long until one would be admitted.
func (l *limiter) allow(now time.Time) (bool, time.Duration) {
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
		return false, l.times[0].Add(l.window).Sub(now)
	}
	l.times = append(l.times, now)
	return true, 0
}
