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
	// PathPrefix is the URL path prefix to match, e.g. "/crm/v3/objects/contacts"; "" matches any.
	PathPrefix string
	// Count is how many matching requests get the fault (default 1).
	Count int
	// Status is the HTTP status returned; 0 with an empty Body means "answer normally after Delay".
	Status int
	// RetryAfter is the Retry-After header value in seconds (HubSpot itself sends none; 0 omits it).
	RetryAfter int
	// Header holds further headers of the answer, e.g. X-HubSpot-RateLimit-Interval-Milliseconds.
	Header http.Header
	// Body replaces the HubSpot error body, e.g. truncated JSON.
	Body string
	// AfterApply performs the real operation first and then answers with the fault, like a lost response.
	AfterApply bool
	// Delay is slept before answering.
	Delay time.Duration
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.faults.Push(f, f.Method, f.PathPrefix, f.Count) }

// passive reports whether the fault only delays the real answer.
func (f *Fault) passive() bool { return f.Status == 0 && f.Body == "" }

// write answers with the fault. A 429 without headers of its own carries HubSpot's rate-limit
// headers with nothing remaining.
func (f *Fault) write(w http.ResponseWriter) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	for k, vs := range f.Header {
		h[k] = vs
	}
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if status == http.StatusTooManyRequests && f.RetryAfter <= 0 && h.Get("X-HubSpot-RateLimit-Interval-Milliseconds") == "" {
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		h.Set("X-HubSpot-RateLimit-Max", "100")
		h.Set("X-HubSpot-RateLimit-Remaining", "0")
	}
	if f.Body != "" {
		h.Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	writeError(w, errForStatus(status))
}
