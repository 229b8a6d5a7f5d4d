package emulator

import (
	"net/http"
	"time"
)

// Fault makes the next Count requests matching Method and PathPrefix fail (or stall) in a chosen way.
type Fault struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// PathPrefix is the path after the version to match, e.g. "/products"; "" matches any.
	PathPrefix string
	// Count is how many matching requests get the fault (default 1).
	Count int
	// Status is the HTTP status returned; 0 with an empty Body means "answer normally after Delay".
	Status int
	// RetryAfter is sent as the Retry-After header, in Shopify's seconds form ("2.0"); 429s without
	// one get Shopify's usual 2.0.
	RetryAfter time.Duration
	// Body replaces Shopify's error body, e.g. with truncated JSON.
	Body string
	// AfterApply performs the real operation first and then answers with the fault, like a lost
	// response.
	AfterApply bool
	// Delay is slept before answering.
	Delay time.Duration
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.faults.Push(f, f.Method, f.PathPrefix, f.Count) }

// passive reports whether the fault only delays the real answer.
func (f *Fault) passive() bool { return f.Status == 0 && f.Body == "" }

// write answers with the fault.
func (f *Fault) write(w http.ResponseWriter) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	ra := f.RetryAfter
	if status == http.StatusTooManyRequests && ra <= 0 {
		ra = 2 * time.Second
	}
	if ra > 0 {
		w.Header().Set("Retry-After", formatSeconds(ra))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if f.Body != "" {
		_, _ = w.Write([]byte(f.Body))
		return
	}
	_, _ = w.Write(errForStatus(status).body())
}
