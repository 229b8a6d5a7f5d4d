// Package emulator is a stateful, in-memory emulator of the Twilio SendGrid v3 API for one account:
// Marketing contacts (with export jobs whose files are split into parts), lists (page_token paging,
// create/update/delete), segments, templates and global unsubscribes (time-filtered offset paging), with
// SendGrid's error bodies, X-RateLimit-* headers and fault injection for tests.
package emulator

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// APIKeys are the accepted API keys; empty accepts any key starting with "SG.".
	APIKeys []string
	// Seed is the number of objects created in each collection at start.
	Seed int
	// ExportFileSize is how many contacts one export file holds (default 100,000); exports of more
	// contacts are split into several files, as SendGrid does.
	ExportFileSize int
	// RateLimit is the maximum number of requests per RateLimitWindow (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// WebhookURL and WebhookSecret are accepted for uniformity with other emulators; the objects
	// emulated here have no webhooks in SendGrid (its Event Webhook reports email events).
	WebhookURL, WebhookSecret string
	// Now is the clock of object timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// Server is a SendGrid API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter
	mux   *http.ServeMux

	mu      sync.Mutex // guards the account state below
	tables  map[string]*table
	exports map[string][][]byte // export id -> gzipped JSON-lines files

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// RequestRecord is one request as the server saw it.
type RequestRecord = emulatorkit.Request

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
	}
	if cfg.ExportFileSize <= 0 {
		cfg.ExportFileSize = 100_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow),
		tables: map[string]*table{}, exports: map[string][][]byte{}}
	for _, c := range collections {
		s.tables[c] = &table{objs: map[string]map[string]any{}}
	}
	s.mux = s.routes()
	s.seed(cfg.Seed)
	s.ln.Log = s.log
	return s
}

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	return s.ln.Start(addr, s)
}

// Close stops the server and webhook delivery, cutting connections still open after a short grace
// period; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Summary describes the emulator for the command line: its URL and objects per collection.
func (s *Server) Summary() map[string]any {
	u := s.ln.URL()
	counts := map[string]any{}
	for _, c := range collections {
		counts[c] = s.Count(c)
	}
	return map[string]any{"url": u, "collections": counts}
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []RequestRecord { return s.reqs.Snapshot() }

// ServeHTTP answers one request: rate limit, injected faults, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		s.reqs.Add(RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Status: sw.Status()})
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status())
	}()
	if ok, wait := s.limit.Allow(arrival); !ok {
		setRateHeaders(sw.Header(), s.cfg.RateLimit, arrival.Add(wait))
		writeError(sw, http.StatusTooManyRequests, "", "too many requests")
		return
	}
	f := s.faults.Take(r.Method, r.URL.Path)
	if f != nil && !f.AfterApply {
		f.write(sw, arrival)
		return
	}
	if f == nil {
		s.mux.ServeHTTP(sw, r)
		return
	}
	s.mux.ServeHTTP(emulatorkit.Discard(), r)
	f.write(sw, arrival)
}

// setRateHeaders sets SendGrid's rate-limit headers; x-ratelimit-reset is the unix second at which the
// bucket has room again, rounded up.
func setRateHeaders(h http.Header, limit int, reset time.Time) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(max(limit, 1)))
	h.Set("X-RateLimit-Remaining", "0")
	secs := reset.Unix()
	if reset.Nanosecond() > 0 {
		secs++
	}
	h.Set("X-RateLimit-Reset", strconv.FormatInt(secs, 10))
}
