package emulator

import (
	"net/http"
	"strings"
	"time"
)

// Fault makes the next Count requests matching Method fail in a chosen way.
type Fault struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// Count is how many matching requests get the fault (default 1).
	Count int
	// Status is the HTTP status returned.
	Status int
	// RetryAfter, for a 429, sets x-ratelimit-reset that far in the future (at least a second).
	RetryAfter time.Duration
	// Body replaces SendGrid's error body, e.g. truncated JSON.
	Body string
	// AfterApply performs the real operation first and then answers with the fault, like a lost response.
	AfterApply bool
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.faults.Push(f, f.Method, "", f.Count) }

// write answers with the fault.
func (f *Fault) write(w http.ResponseWriter, now time.Time) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusTooManyRequests {
		setRateHeaders(w.Header(), 1, now.Add(max(f.RetryAfter, time.Second)))
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	msg := strings.ToLower(http.StatusText(status))
	if status == http.StatusUnauthorized {
		msg = "authorization required"
	}
	writeError(w, status, "", msg)
}
