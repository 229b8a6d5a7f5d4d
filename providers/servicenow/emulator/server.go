// Package emulator is a stateful, in-memory emulator of the ServiceNow Table API for the tables sequin
// syncs (incident, problem, change_request, sys_user, cmdb_ci) and the delete audit table
// (sys_audit_delete): encoded queries, sysparm_limit/sysparm_offset paging with Link and X-Total-Count
// headers, basic and OAuth (oauth_token.do) authentication, ServiceNow's error bodies, rate-limit rules
// answering 429 with Retry-After and X-RateLimit-Reset, and fault injection for tests.
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
	// Users maps accepted user names to passwords for basic authentication; empty accepts
	// admin/admin.
	Users map[string]string
	// OAuthClients maps OAuth client ids to secrets accepted by /oauth_token.do.
	OAuthClients map[string]string
	// RefreshTokens are the refresh tokens /oauth_token.do accepts.
	RefreshTokens []string
	// AccessTokenTTL is the lifetime of issued access tokens (default 30 minutes, ServiceNow's default).
	AccessTokenTTL time.Duration
	// Seed is the number of records created in each table at start.
	Seed int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the maximum number of requests per RateLimitWindow (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// Now is the clock of record timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// Server is a ServiceNow emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter

	mu     sync.Mutex // guards tables, tokens and rng
	rng    *rand.Rand
	tables map[string]*table
	audit  []map[string]string // sys_audit_delete rows, oldest first
	tokens map[string]time.Time

	faults emulatorkit.Queue[Fault]

	reqs atomic.Int64

	ln emulatorkit.Listener
}

// New builds an emulator and seeds its tables.
func New(cfg Config) *Server {
	if cfg.RandSeed == 0 {
		cfg.RandSeed = 1
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = 30 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Users) == 0 {
		cfg.Users = map[string]string{"admin": "admin"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, tables: map[string]*table{}, tokens: map[string]time.Time{},
		rng:   rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x5e1ce)),
		limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow)}
	for _, sp := range specs {
		s.tables[sp.name] = &table{spec: sp, byID: map[string]map[string]string{}}
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
	s.log.Info("servicenow emulator listening", "url", url)
	return url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// Close stops the server; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the number of requests received so far.
func (s *Server) Requests() int { return int(s.reqs.Load()) }

// Summary describes the emulator for the command line: its URL and live records per table.
func (s *Server) Summary() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	tables := map[string]any{}
	for name, t := range s.tables {
		tables[name] = len(t.byID)
	}
	return map[string]any{"url": s.URL(), "tables": tables, "deletes_audited": len(s.audit)}
}

// now is the emulator's clock at ServiceNow's resolution of one second.
func (s *Server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// ServeHTTP answers one request: rate limit, injected faults, authentication, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.Add(1)
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.Wrote() {
				writeError(sw, http.StatusInternalServerError, "Internal server error", "")
			}
		}
	}()
	if ok, wait := s.limit.Allow(time.Now()); !ok {
		writeRateLimited(sw, s.cfg.RateLimit, wait, s.cfg.Now())
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
	if resp.body != nil {
		sw.Header().Set("Content-Type", "application/json;charset=UTF-8")
	}
	sw.WriteHeader(resp.status)
	_, _ = sw.Write(resp.body)
}
