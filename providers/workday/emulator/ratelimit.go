package emulator

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is a sliding-window request counter, like the tenant's throttle scaled down to a test's
// window: at most limit requests are admitted in any window. Rejected requests do not count.
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

// writeRateLimited answers 429 as Workday's throttle does: Retry-After in whole seconds and the usual
// error body.
func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeResp(w, errResp(http.StatusTooManyRequests, "Too many requests", errorDetail{Error: "The request rate limit of the tenant was exceeded; retry later."}))
}
