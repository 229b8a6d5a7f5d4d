package emulator

import (
	"sync"
	"time"
)

// limiter is Airtable's rate limit: a fixed window of requests per base; a base over its limit
// answers every request with 429 for a penalty (Airtable's 30 seconds).
type limiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	penalty time.Duration
	keys    map[string]*window
}

type window struct {
	start time.Time
	used  int
	until time.Time // the penalty's end
}

func newLimiter(limit int, win, penalty time.Duration) *limiter {
	return &limiter{limit: limit, window: win, penalty: penalty, keys: map[string]*window{}}
}

// take spends one request of key at now; it reports whether it is admitted and, if not, how long the
// penalty still runs.
func (l *limiter) take(key string, now time.Time) (bool, time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.keys[key]
	if w == nil {
		w = &window{start: now}
		l.keys[key] = w
	}
	if now.Before(w.until) {
		return false, w.until.Sub(now)
	}
	if !now.Before(w.start.Add(l.window)) {
		w.start, w.used = now, 0
	}
	if w.used >= l.limit {
		w.until = now.Add(l.penalty)
		w.start, w.used = w.until, 0
		return false, l.penalty
	}
	w.used++
	return true, 0
}
