package emulatorkit

import (
	"sync"
	"time"
)

// Limiter is a sliding-window request counter: at most Limit requests are admitted in any window,
// and refused requests do not count. It only decides; each emulator answers a refusal with its API's
// own status, body and headers. A nil Limiter, or one with a limit of 0, admits everything.
type Limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	times  []time.Time // admitted request times, oldest first
}

// NewLimiter returns a limiter admitting limit requests per window (limit 0: unlimited).
func NewLimiter(limit int, window time.Duration) *Limiter {
	return &Limiter{limit: limit, window: window}
}

// Limit returns the number of requests admitted per window (0: unlimited).
func (l *Limiter) Limit() int {
	if l == nil {
		return 0
	}
	return l.limit
}

// Allow admits a request arriving at now or, when it refuses, returns how long until the window
// admits one again.
func (l *Limiter) Allow(now time.Time) (ok bool, wait time.Duration) {
	ok, _, wait = l.Admit(now)
	return ok, wait
}

// Admit is Allow that also returns how many more requests the window admits after this one (0 when
// refused or unlimited).
func (l *Limiter) Admit(now time.Time) (ok bool, remaining int, wait time.Duration) {
	if l == nil || l.limit <= 0 {
		return true, 0, 0
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
		return false, 0, l.times[0].Add(l.window).Sub(now)
	}
	l.times = append(l.times, now)
	return true, l.limit - len(l.times), 0
}
