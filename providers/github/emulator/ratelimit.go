package emulator

import (
	"strconv"
	"sync"
	"time"
)

// publishedLimit is what the headers announce when no limit is configured: GitHub's hourly budget for
// a personal access token.
const publishedLimit = 5000

// limiter is GitHub's primary rate limit: a fixed window per credential that starts with the first
// request and resets window later. Conditional requests answered 304 are refunded, as on GitHub.
type limiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	buckets map[string]*bucket
}

type bucket struct {
	start time.Time
	used  int
}

// quota is the state reported in a response's X-RateLimit-* headers.
type quota struct {
	limit, used int
	reset       time.Time
}

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window, buckets: map[string]*bucket{}}
}

// take spends one request of key's budget at now and reports whether it was admitted.
func (l *limiter) take(key string, now time.Time) (bool, quota) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil || !now.Before(b.start.Add(l.window)) {
		b = &bucket{start: now}
		l.buckets[key] = b
	}
	limit := l.limit
	if limit <= 0 {
		limit = publishedLimit
	}
	q := quota{limit: limit, used: b.used, reset: b.start.Add(l.window)}
	if l.limit > 0 && b.used >= l.limit {
		return false, q
	}
	b.used++
	q.used = b.used
	return true, q
}

// peek reports key's quota without spending any.
func (l *limiter) peek(key string, now time.Time) (bool, quota) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.limit
	if limit <= 0 {
		limit = publishedLimit
	}
	b := l.buckets[key]
	if b == nil || !now.Before(b.start.Add(l.window)) {
		return true, quota{limit: limit, reset: now.Add(l.window)}
	}
	return l.limit <= 0 || b.used < l.limit, quota{limit: limit, used: b.used, reset: b.start.Add(l.window)}
}

// refund gives a request back (a 304 answer).
func (l *limiter) refund(key string, q *quota) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[key]; b != nil && b.used > 0 {
		b.used--
		q.used = b.used
	}
}

// headers returns the X-RateLimit-* headers of q; the reset is rounded up to whole seconds.
func (q quota) headers() map[string]string {
	reset := q.reset.Unix()
	if q.reset.Nanosecond() > 0 {
		reset++
	}
	return map[string]string{
		"X-RateLimit-Limit":     strconv.Itoa(q.limit),
		"X-RateLimit-Remaining": strconv.Itoa(max(q.limit-q.used, 0)),
		"X-RateLimit-Used":      strconv.Itoa(q.used),
		"X-RateLimit-Reset":     strconv.FormatInt(reset, 10),
		"X-RateLimit-Resource":  "core",
	}
}
