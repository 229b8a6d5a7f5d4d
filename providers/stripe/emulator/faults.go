package emulator

import (
	"net/http"
	"strconv"
	"time"
)

// Fault makes the next Count requests matching Method and PathPrefix fail (or stall) in a chosen way.
type Fault struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// PathPrefix is the URL path prefix to match, e.g. "/v1/customers"; "" matches any.
	PathPrefix string
	// Count is how many matching requests get the fault (default 1).
	Count int
	// Status is the HTTP status returned; 0 with an empty Body means "answer normally after Delay".
	Status int
	// RetryAfter is the Retry-After header value in seconds (429s get at least 1).
	RetryAfter int
	// Body replaces the Stripe error body, e.g. truncated JSON.
	Body string
	// AfterApply performs the real operation first and then answers with the fault, like a lost response.
	AfterApply bool
	// Delay is slept before answering.
	Delay time.Duration
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.faults.Push(f, f.Method, f.PathPrefix, f.Count) }

// PendingFaults is the number of injected faults no request has taken yet.
func (s *Server) PendingFaults() int { return s.faults.Len() }

// passive reports whether the fault only delays the real answer.
func (f *Fault) passive() bool { return f.Status == 0 && f.Body == "" }

// write answers with the fault.
func (f *Fault) write(w http.ResponseWriter) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	ra := f.RetryAfter
	if status == http.StatusTooManyRequests && ra < 1 {
		ra = 1
	}
	if ra > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ra))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if f.Body != "" {
		_, _ = w.Write([]byte(f.Body))
		return
	}
	_, _ = w.Write(errForStatus(status).body())
}
