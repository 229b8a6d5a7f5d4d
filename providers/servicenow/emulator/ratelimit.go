package emulator

import (
	"net/http"
	"strconv"
	"time"
)

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
