package emulator

import (
	"net/http"
	"strconv"
	"time"
)

// writeRateLimited answers 429 as Workday's throttle does: Retry-After in whole seconds and the usual
// error body.
func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeResp(w, errResp(http.StatusTooManyRequests, "Too many requests", errorDetail{Error: "The request rate limit of the tenant was exceeded; retry later."}))
}
