// Package emulator is a stateful, in-memory emulator of NetSuite's REST web services for the records
// sequin syncs: SuiteQL queries (a subset of the language, with limit/offset pages, hasMore and
// totalResults) over customer, transaction, item, employee and DeletedRecord, and REST record writes
// of customers and employees (create, upsert by external id, update, delete). Requests must carry
// token-based authentication (OAuth 1.0a, HMAC-SHA256), verified as NetSuite does. It answers with
// NetSuite's error bodies and its 429 for exceeded limits, and injects faults for tests.
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
	// Account is the account id, the realm of every signature (default "1234567").
	Account string
	// Consumers maps integration consumer keys to consumer secrets.
	Consumers map[string]string
	// Tokens maps token ids to token secrets.
	Tokens map[string]string
	// Seed is the number of records created of each type at start.
	Seed int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the maximum number of requests per RateLimitWindow (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// Now is the clock of record timestamps and signature checks (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// Server is a NetSuite emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter

	mu      sync.Mutex // guards tables, ids, nonces and rng
	rng     *rand.Rand
	tables  map[string]map[string]map[string]any // table -> id -> row
	nextID  int
	nextDel int
	nonces  map[string]bool

	faults emulatorkit.Queue[Fault]

	reqs atomic.Int64

	ln emulatorkit.Listener
}

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.Account == "" {
		cfg.Account = "1234567"
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
	s := &Server{cfg: cfg, log: cfg.Logger, tables: map[string]map[string]map[string]any{}, nonces: map[string]bool{},
		rng:   rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x5e1ce)),
		limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow)}
	for _, t := range tableNames {
		s.tables[t] = map[string]map[string]any{}
	}
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
	s.log.Info("netsuite emulator listening", "url", url, "account", s.cfg.Account)
	return url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// Close stops the server; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the number of requests received so far.
func (s *Server) Requests() int { return int(s.reqs.Load()) }

// Summary describes the emulator for the command line: its URL, account and rows per table.
func (s *Server) Summary() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	tables := map[string]any{}
	for name, rows := range s.tables {
		tables[name] = len(rows)
	}
	return map[string]any{"url": s.URL(), "account": s.cfg.Account, "tables": tables}
}

// now is the emulator's clock at NetSuite's resolution of one second.
func (s *Server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// ServeHTTP answers one request: limits, injected faults, authentication, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.Add(1)
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.Wrote() {
				writeError(sw, http.StatusInternalServerError, "UNEXPECTED_ERROR", "An unexpected error occurred.")
			}
		}
	}()
	if ok, _ := s.limit.Allow(time.Now()); !ok {
		writeError(sw, http.StatusTooManyRequests, "CONCURRENCY_LIMIT_EXCEEDED",
			"Concurrent request limit exceeded. Request blocked.")
		return
	}
	fault := s.faults.Take(r.Method, r.URL.Path)
	if fault != nil && !fault.AfterApply {
		fault.write(sw)
		return
	}
	var resp response
	if why := s.verifyTBA(r); why != "" {
		s.log.Debug("refused login", "reason", why)
		resp = errResp(http.StatusUnauthorized, "INVALID_LOGIN", loginFailed)
	} else {
		resp = s.serve(r)
	}
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
