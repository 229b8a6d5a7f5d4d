package emulator

import (
	"net/http"
	"strconv"
)

// Fault makes the next Count API requests matching Method and PathPrefix fail in a chosen way.
type Fault struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// PathPrefix is the URL path prefix to match, e.g. "/ccx/api/v1/acme/workers"; "" matches any.
	PathPrefix string
	// Count is how many matching requests get the fault (default 1).
	Count int
	// Status is the HTTP status returned (default 200 with Body).
	Status int
	// RetryAfter is the Retry-After header value in seconds (429s get at least 1).
	RetryAfter int
	// Body replaces Workday's error body, e.g. truncated JSON.
	Body string
	// AfterApply performs the real operation first and then answers with the fault, like a lost response.
	AfterApply bool
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) { s.faults.Push(f, f.Method, f.PathPrefix, f.Count) }

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
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	writeResp(w, errResp(status, http.StatusText(status)))
}
