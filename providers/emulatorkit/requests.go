package emulatorkit

import (
	"net/http"
	"sync"
	"time"
)

// Request is one request as an emulator saw it, for emulators that log nothing more.
type Request struct {
	// Time is when the request arrived.
	Time time.Time
	// Method is the HTTP method.
	Method string
	// Path is the URL path, without the query.
	Path string
	// Status is the HTTP status answered.
	Status int
}

// Log is a request log safe for concurrent use; T is the emulator's record type. Its zero value is
// an empty, unbounded log.
type Log[T any] struct {
	// Max bounds the records kept: when the log is full, its older half is dropped (0: unbounded).
	Max int

	mu    sync.Mutex
	items []T
	first int // sequence number of items[0]
	n     int // records added since start or the last Reset
}

// Add appends a record and returns its sequence number, for Update.
func (l *Log[T]) Add(v T) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Max > 0 && len(l.items) >= l.Max {
		k := copy(l.items, l.items[len(l.items)/2:])
		clear(l.items[k:])
		l.first += len(l.items) - k
		l.items = l.items[:k]
	}
	l.items = append(l.items, v)
	l.n++
	return l.n - 1
}

// Update changes the record numbered seq in place, if it is still kept, e.g. to fill in the status
// of a request logged on arrival.
func (l *Log[T]) Update(seq int, fn func(*T)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := seq - l.first; i >= 0 && i < len(l.items) {
		fn(&l.items[i])
	}
}

// Snapshot returns a copy of the records kept, oldest first.
func (l *Log[T]) Snapshot() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]T(nil), l.items...)
}

// Count returns the number of records added since start or the last Reset, dropped ones included.
func (l *Log[T]) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Reset forgets every record.
func (l *Log[T]) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items, l.first, l.n = nil, 0, 0
}

// StatusWriter is an http.ResponseWriter that remembers the status written, for the request log.
type StatusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

// NewStatusWriter wraps w; until a status is written, Status reports 200.
func NewStatusWriter(w http.ResponseWriter) *StatusWriter {
	return &StatusWriter{ResponseWriter: w, status: http.StatusOK}
}

// WriteHeader records the status and writes it.
func (w *StatusWriter) WriteHeader(code int) {
	w.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
}

// Status returns the status written, or 200 when none was.
func (w *StatusWriter) Status() int { return w.status }

// Wrote reports whether WriteHeader was called, e.g. for a panic handler deciding whether it can
// still answer.
func (w *StatusWriter) Wrote() bool { return w.wrote }

// Discard returns a ResponseWriter that drops what is written to it: the answer of a request whose
// response is lost.
func Discard() http.ResponseWriter { return discard{header: http.Header{}} }

type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
