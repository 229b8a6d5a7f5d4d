package emulator

import (
	"net/http"
	"strconv"
	"time"
)

// Fault makes the next Count API requests matching Method and PathPrefix fail (or stall) in a chosen
// way. Faults apply to the REST API under /services/data only, never to the token endpoint.
type Fault struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// PathPrefix is the path after the version to match, e.g. "/query"; "" matches any.
	PathPrefix string
	// Count is how many matching requests get the fault (default 1).
	Count int
	// Status is the HTTP status returned; 0 with an empty Body means "answer normally after Delay".
	Status int
	// RetryAfter, when positive, is sent as a Retry-After header in seconds.
	RetryAfter time.Duration
	// Body replaces Salesforce's error body, e.g. with truncated JSON.
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
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatFloat(f.RetryAfter.Seconds(), 'f', -1, 64))
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	if f.Body != "" {
		_, _ = w.Write([]byte(f.Body))
		return
	}
	_, _ = w.Write(errForStatus(status).body())
}
