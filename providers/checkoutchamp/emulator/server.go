// Package emulator is a stateful, in-memory emulator of the CheckoutChamp CRM API for what sequin
// syncs: order, customer and transaction queries with their date-range filters (dateCreated or
// dateUpdated, startDate/startTime to endDate/endTime), page and resultsPerPage paging, and customer
// updates. Like CheckoutChamp it authenticates with loginId and password parameters and reports
// failures as {"result": "ERROR", "message": ...} with HTTP 200; it answers 429 with Retry-After past
// its rate limit and injects faults for tests.
package emulator

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// Logins maps API user login ids to passwords; empty accepts sequin/sequin.
	Logins map[string]string
	// Seed is the number of orders (each with its customer and transaction) created at start.
	Seed int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the maximum number of requests per RateLimitWindow (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// Location is the account's time zone, in which dates are rendered and filtered (default UTC).
	Location *time.Location
	// Now is the clock of record timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// Server is a CheckoutChamp emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter

	mu     sync.Mutex // guards the store and rng
	rng    *rand.Rand
	store  map[string][]map[string]any // kind -> records in id order
	nextID map[string]int

	faults emulatorkit.Queue[Fault]

	reqs atomic.Int64

	ln emulatorkit.Listener
}

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if len(cfg.Logins) == 0 {
		cfg.Logins = map[string]string{"sequin": "sequin"}
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.RandSeed == 0 {
		cfg.RandSeed = 1
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: map[string][]map[string]any{}, nextID: map[string]int{},
		rng:   rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x5e1ce)),
		limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow)}
	s.seed(cfg.Seed)
	s.ln.Log = s.log
	return s
}

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	url, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	s.log.Info("checkoutchamp emulator listening", "url", url)
	return url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// Close stops the server; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the number of requests received so far.
func (s *Server) Requests() int { return int(s.reqs.Load()) }

// Summary describes the emulator for the command line: its URL and records per kind.
func (s *Server) Summary() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	kinds := map[string]any{}
	for name, recs := range s.store {
		kinds[name] = len(recs)
	}
	return map[string]any{"url": s.URL(), "records": kinds}
}

// now is the emulator's clock at CheckoutChamp's resolution of one second.
func (s *Server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// ServeHTTP answers one request: limits, injected faults, authentication, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.Add(1)
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.Wrote() {
				writeError(sw, http.StatusInternalServerError, "Internal Server Error")
			}
		}
	}()
	if ok, wait := s.limit.Allow(time.Now()); !ok {
		writeRateLimited(sw, wait)
		return
	}
	fault := s.faults.Take(r.Method, r.URL.Path)
	if fault != nil && !fault.AfterApply {
		fault.write(sw)
		return
	}
	resp := s.serve(r)
	if fault != nil {
		fault.write(sw)
		return
	}
	for k, v := range resp.header {
		sw.Header().Set(k, v)
	}
	sw.WriteHeader(resp.status)
	_, _ = sw.Write(resp.body)
}
