// Package emulator is a stateful, in-memory emulator of the Auth0 Management API v2: the
// client-credentials token endpoint, users (with Lucene-style updated_at search and the 1,000-result
// paging window), organizations (checkpoint pagination), roles, clients, connections and tenant logs,
// with Auth0's error bodies, x-ratelimit-* headers on 429s, event-stream webhooks and fault injection.
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
	// Domain is the tenant's domain; tokens must be requested for the audience https://<Domain>/api/v2/.
	Domain string
	// Clients maps accepted machine-to-machine client ids to their secrets; empty accepts any pair.
	Clients map[string]string
	// Seed is the number of objects created in each collection at start.
	Seed int
	// RateLimit is the maximum number of requests per RateLimitWindow (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// TokenTTL is the lifetime of issued access tokens (default 24h, Auth0's default).
	TokenTTL time.Duration
	// WebhookURL, when set, receives an event-stream CloudEvent for every user change.
	WebhookURL string
	// WebhookSecret is sent as the bearer token of webhook deliveries, as Auth0 event streams do.
	WebhookSecret string
	// Now is the clock of object timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// DefaultDomain is the tenant domain used when Config.Domain is empty.
const DefaultDomain = "sequin-test.us.auth0.com"

// Server is an Auth0 Management API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter
	hooks *webhooks
	mux   *http.ServeMux

	mu     sync.Mutex // guards the tenant state below
	tables map[string]*table
	logs   []map[string]any
	logSeq int64
	tokens map[string]time.Time
	seq    int64

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// RequestRecord is one request as the server saw it.
type RequestRecord = emulatorkit.Request

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow),
		tables: map[string]*table{}, tokens: map[string]time.Time{}}
	for _, k := range kinds {
		s.tables[k.name] = &table{objs: map[string]map[string]any{}}
	}
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, s.log)
		s.ln.OnClose = s.hooks.close
	}
	s.mux = s.routes()
	s.seed(cfg.Seed)
	s.ln.Log = s.log
	return s
}

// Audience is the Management API audience tokens must be requested for.
func (s *Server) Audience() string { return "https://" + s.cfg.Domain + "/api/v2/" }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	return s.ln.Start(addr, s)
}

// Close stops the server and webhook delivery, cutting connections still open after a short grace
// period; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Summary describes the emulator for the command line: its URL, domain and objects per collection.
func (s *Server) Summary() map[string]any {
	u := s.ln.URL()
	s.mu.Lock()
	defer s.mu.Unlock()
	colls := map[string]any{}
	for name, t := range s.tables {
		colls[name] = len(t.order)
	}
	return map[string]any{"url": u, "domain": s.cfg.Domain, "collections": colls, "logs": len(s.logs)}
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
		writeError(sw, http.StatusTooManyRequests, "Global limit has been reached", "too_many_requests")
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

// setRateHeaders sets Auth0's rate-limit headers; x-ratelimit-reset is the unix second at which the
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
