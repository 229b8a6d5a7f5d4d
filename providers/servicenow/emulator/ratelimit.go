package emulator

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is a sliding-window request counter, like a ServiceNow rate limit rule scaled down to a
// test's window: at most limit requests are admitted in any window. Rejected requests do not count.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	times  []time.Time // admitted request times, oldest first
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

// writeRateLimited answers 429 as a ServiceNow rate limit rule does: Retry-After in seconds,
// X-RateLimit-Reset as the Unix time the window resets, and the usual error body.
func writeRateLimited(w http.ResponseWriter, limit int, wait time.Duration, now time.Time) {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(time.Duration(secs)*time.Second).Unix(), 10))
	writeError(w, http.StatusTooManyRequests, "Rate limit exceeded", "Too many requests for the rate limit rule of this user")
}
