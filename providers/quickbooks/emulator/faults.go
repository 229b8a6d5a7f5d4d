package emulator

import (
	"net/http"
	"strconv"
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
	// RetryAfter, for a 429, is sent as Retry-After (at least a second).
	RetryAfter time.Duration
	// Body replaces the Intuit fault body, e.g. truncated JSON.
	Body string
	// AfterApply performs the real operation first and then answers with the fault, like a lost response.
	AfterApply bool
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.faults.Push(f, f.Method, "", f.Count) }

// write answers with the fault.
func (f *Fault) write(w http.ResponseWriter, _ time.Time) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(f.RetryAfter, time.Second)/time.Second)))
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	switch {
	case status == http.StatusTooManyRequests:
		writeFault(w, status, "THROTTLING", "message=ThrottleExceeded; errorCode=003001; statusCode=429", "The request exceeded the maximum number of requests allowed.", "003001")
	case status >= 500:
		writeFault(w, status, "SystemFault", "An application error has occurred while processing your request", "System Failure Error: An unexpected error occurred while accessing or saving your data.", "10000")
	default:
		writeFault(w, status, "ValidationFault", http.StatusText(status), http.StatusText(status), "2000")
	}
}
