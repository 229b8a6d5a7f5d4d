package emulator

import (
	"net/http"
	"strconv"
	"time"
)

// writeRateLimited answers 429 with Retry-After in seconds.
func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "Too many requests, please slow down")
}
