// Package emulator is a stateful, in-memory emulator of the ServiceNow Table API for the tables sequin
// syncs (incident, problem, change_request, sys_user, cmdb_ci) and the delete audit table
// (sys_audit_delete): encoded queries, sysparm_limit/sysparm_offset paging with Link and X-Total-Count
// headers, basic and OAuth (oauth_token.do) authentication, ServiceNow's error bodies, rate-limit rules
// answering 429 with Retry-After and X-RateLimit-Reset, and fault injection for tests.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
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
	limit *limiter

	mu     sync.Mutex // guards tables, tokens and rng
	rng    *rand.Rand
	tables map[string]*table
	audit  []map[string]string // sys_audit_delete rows, oldest first
	tokens map[string]time.Time

	faults faultQueue

	reqMu sync.Mutex
	reqs  int

	srvMu     sync.Mutex
	srv       *http.Server
	url       string
	serveDone chan struct{}
	closeOnce sync.Once
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
		limit: &limiter{limit: cfg.RateLimit, window: cfg.RateLimitWindow}}
	for _, sp := range specs {
		s.tables[sp.name] = &table{spec: sp, byID: map[string]map[string]string{}}
	}
	s.seed(cfg.Seed)
	return s
}

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

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
	s.log.Info("servicenow emulator listening", "url", s.url)
	return s.url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.url
}

// Close stops the server; it is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.srvMu.Lock()
		srv, done := s.srv, s.serveDone
		s.srvMu.Unlock()
		if srv == nil {
			return
		}
		// Idle keep-alive connections a client dialed but never used would hold a graceful
		// shutdown for seconds; past a short grace period they are cut: there is nothing to flush.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if e := srv.Shutdown(ctx); e != nil {
			if e := srv.Close(); e != nil {
				err = fmt.Errorf("emulator: closing: %w", e)
			}
		}
		<-done
	})
	return err
}

// Requests returns the number of requests received so far.
func (s *Server) Requests() int {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return s.reqs
}

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

// statusWriter remembers whether a status was written, for the panic handler.
type statusWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

// ServeHTTP answers one request: rate limit, injected faults, authentication, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqMu.Lock()
	s.reqs++
	s.reqMu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.wrote {
				writeError(sw, http.StatusInternalServerError, "Internal server error", "")
			}
		}
	}()
	if ok, wait := s.limit.allow(time.Now()); !ok {
		writeRateLimited(sw, s.cfg.RateLimit, wait, s.cfg.Now())
		return
	}
	fault := s.faults.take(r.Method, r.URL.Path)
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
