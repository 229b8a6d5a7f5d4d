package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
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

type faultQueue struct {
	mu     sync.Mutex
	faults []*Fault
}

// InjectFault queues a fault; faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = append(s.faults.faults, &f)
}

// take consumes one use of the first fault matching the request.
func (q *faultQueue) take(method, path string) *Fault {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, f := range q.faults {
		if (f.Method == "" || strings.EqualFold(f.Method, method)) && strings.HasPrefix(path, f.PathPrefix) {
			f.Count--
			if f.Count <= 0 {
				q.faults = append(q.faults[:i], q.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
}

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
