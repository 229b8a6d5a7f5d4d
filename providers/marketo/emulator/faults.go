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
	// RetryAfter, for an HTTP 429 (which Marketo's gateway may send), is sent as Retry-After.
	RetryAfter time.Duration
	// Body replaces the answer's body, e.g. truncated JSON.
	Body string
	// AfterApply performs the real operation first and then answers with the fault, like a lost response.
	AfterApply bool
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.faults.Push(f, f.Method, "", f.Count) }

// write answers with the fault: the HTTP status given, Retry-After for a 429.
func (f *Fault) write(w http.ResponseWriter, _ time.Time) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(f.RetryAfter, time.Second)/time.Second)))
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	if f.Body != "" {
		_, _ = w.Write([]byte(f.Body))
		return
	}
	_, _ = w.Write([]byte(`{"requestId":"fault#1","success":false,"errors":[{"code":"611","message":"System error"}]}`))
}
