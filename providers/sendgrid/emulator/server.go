// Package emulator is a stateful, in-memory emulator of the Twilio SendGrid v3 API for one account:
// Marketing contacts (with export jobs whose files are split into parts), lists (page_token paging,
// create/update/delete), segments, templates and global unsubscribes (time-filtered offset paging), with
// SendGrid's error bodies, X-RateLimit-* headers and fault injection for tests.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
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
	limit *limiter
	mux   *http.ServeMux

	mu      sync.Mutex // guards the account state below
	tables  map[string]*table
	exports map[string][][]byte // export id -> gzipped JSON-lines files

	faults faultQueue

	reqMu sync.Mutex
	reqs  []RequestRecord

	srvMu     sync.Mutex
	srv       *http.Server
	url       string
	serveDone chan struct{}
	closeOnce sync.Once
}

// RequestRecord is one request as the server saw it.
type RequestRecord struct {
	Time   time.Time
	Method string
	Path   string
	Status int
}

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
	s := &Server{cfg: cfg, log: cfg.Logger, limit: &limiter{limit: cfg.RateLimit, window: cfg.RateLimitWindow},
		tables: map[string]*table{}, exports: map[string][][]byte{}}
	for _, c := range collections {
		s.tables[c] = &table{objs: map[string]map[string]any{}}
	}
	s.mux = s.routes()
	s.seed(cfg.Seed)
	return s
}

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv != nil {
		return "", errors.New("emulator: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("emulator: listening on %s: %w", addr, err)
	}
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		_ = ln.Close()
		return "", fmt.Errorf("emulator: reading listen address: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	s.url = "http://" + net.JoinHostPort(host, port)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("emulator server stopped", "error", err)
		}
	}()
	return s.url, nil
}

// Close stops the server and webhook delivery, cutting connections still open after a short grace
// period; it is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.srvMu.Lock()
		srv, done := s.srv, s.serveDone
		s.srvMu.Unlock()
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if e := srv.Shutdown(ctx); e != nil {
				if e := srv.Close(); e != nil {
					err = fmt.Errorf("emulator: closing: %w", e)
				}
			}
			cancel()
			<-done
		}
	})
	return err
}

// Summary describes the emulator for the command line: its URL and objects per collection.
func (s *Server) Summary() map[string]any {
	s.srvMu.Lock()
	u := s.url
	s.srvMu.Unlock()
	counts := map[string]any{}
	for _, c := range collections {
		counts[c] = s.Count(c)
	}
	return map[string]any{"url": u, "collections": counts}
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []RequestRecord {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return append([]RequestRecord(nil), s.reqs...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// ServeHTTP answers one request: rate limit, injected faults, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.reqMu.Lock()
		s.reqs = append(s.reqs, RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Status: sw.status})
		s.reqMu.Unlock()
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status)
	}()
	if ok, wait := s.limit.allow(arrival); !ok {
		setRateHeaders(sw.Header(), s.cfg.RateLimit, arrival.Add(wait))
		writeError(sw, http.StatusTooManyRequests, "", "too many requests")
		return
	}
	f := s.faults.take(r.Method)
	if f != nil && !f.AfterApply {
		f.write(sw, arrival)
		return
	}
	if f == nil {
		s.mux.ServeHTTP(sw, r)
		return
	}
	s.mux.ServeHTTP(discard{header: http.Header{}}, r)
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

// discard is a ResponseWriter that drops the answer of a request whose response is "lost".
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
