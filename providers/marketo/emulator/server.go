// Package emulator is a stateful, in-memory emulator of the Marketo REST API for one instance: the
// identity service's client-credentials token, leads (reads, createOrUpdate/updateOnly syncs, deletes,
// bulk extract jobs whose files honour Range requests), activities with paging tokens (including lead
// changes and deleted leads), programs (asset API, offset paging, updatedAt filters) and static lists,
// with Marketo's in-body error codes (601, 606, 607, 1004, ...), its 100-calls-per-20-seconds limit and
// daily quota, and fault injection for tests.
package emulator

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// ClientID and ClientSecret are the accepted API-only user's credentials; empty accepts any pair.
	ClientID, ClientSecret string
	// Seed is the number of objects created in each collection at start.
	Seed int
	// RateLimit is the maximum number of calls per RateLimitWindow before error 606 (0 = unlimited);
	// Marketo allows 100 per 20 seconds.
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 20s).
	RateLimitWindow time.Duration
	// DailyQuota is the number of calls per day before error 607 (0 = unlimited; Marketo's default
	// subscription has 50,000).
	DailyQuota int
	// TokenTTL is the lifetime of access tokens (default 3600s, Marketo's).
	TokenTTL time.Duration
	// WebhookURL and WebhookSecret are accepted for uniformity; Marketo webhooks are smart-campaign
	// calls configured per campaign, without a signature scheme.
	WebhookURL, WebhookSecret string
	// Now is the clock of object timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// Server is a Marketo API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter
	mux   *http.ServeMux

	mu         sync.Mutex // guards the instance state below
	leads      map[int]map[string]any
	leadSeq    int
	activities []map[string]any
	actSeq     int
	programs   map[int]map[string]any
	progSeq    int
	lists      map[int]map[string]any
	listSeq    int
	exports    map[string]*export
	tokens     map[string]time.Time
	calls      int

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// RequestRecord is one request as the server saw it.
type RequestRecord = emulatorkit.Request

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = 20 * time.Second
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow),
		leads: map[int]map[string]any{}, programs: map[int]map[string]any{}, lists: map[int]map[string]any{},
		exports: map[string]*export{}, tokens: map[string]time.Time{}}
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

// Summary describes the emulator for the command line: its URLs and objects per collection.
func (s *Server) Summary() map[string]any {
	u := s.ln.URL()
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"url": u, "endpoint": u + "/rest", "identity": u + "/identity", "leads": len(s.leads),
		"activities": len(s.activities), "programs": len(s.programs), "lists": len(s.lists), "calls_today": s.calls}
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
	if strings.HasPrefix(r.URL.Path, "/rest/") || strings.HasPrefix(r.URL.Path, "/bulk/") {
		if code, msg := s.admit(arrival); code != "" {
			writeErrors(sw, code, msg)
			return
		}
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

// admit counts a call against the daily quota and the rolling rate limit; Marketo answers both with
// HTTP 200 and an error code in the body.
func (s *Server) admit(now time.Time) (code, msg string) {
	s.mu.Lock()
	s.calls++
	over := s.cfg.DailyQuota > 0 && s.calls > s.cfg.DailyQuota
	s.mu.Unlock()
	if over {
		return "607", "Daily quota reached"
	}
	if ok, _ := s.limit.Allow(now); !ok {
		return "606", "Max rate limit '100' exceeded with in '20' secs"
	}
	return "", ""
}
