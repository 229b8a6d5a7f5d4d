// Package emulator is a stateful, in-memory emulator of the Workday APIs sequin uses: the REST API's
// workers, organizations and positions (/ccx/api/v1/<tenant>/...) with limit/offset paging and totals,
// RaaS custom reports (/ccx/service/customreport2/<tenant>/<owner>/<report>?format=json) listing
// changed objects from an Updated_From prompt, the tenant's OAuth2 token endpoint
// (/ccx/oauth2/<tenant>/token, refresh-token grant), Workday's error bodies, a tenant throttle
// answering 429 with Retry-After, and fault injection for tests.
package emulator

import (
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// Tenant is the tenant's name in paths (default "acme").
	Tenant string
	// Clients maps accepted API client ids to secrets (default sequin/sequin).
	Clients map[string]string
	// RefreshTokens are the refresh tokens the token endpoint accepts (default "sequin").
	RefreshTokens []string
	// AccessTokenTTL is the lifetime of issued access tokens (default 1 hour).
	AccessTokenTTL time.Duration
	// Reports maps "<owner>/<report name>" to the collection whose changes the report lists (default
	// ISU_Sequin/Sequin_<Collection>_Changed for each collection).
	Reports map[string]string
	// Seed is the number of objects created in each collection at start.
	Seed int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the maximum number of API requests per RateLimitWindow (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// Now is the clock of last-updated moments (default time.Now).
	Now func() time.Time
	// Logger receives server logs (default: discarded).
	Logger *slog.Logger
}

// DefaultReports are the change reports an emulator offers unless Config.Reports names others.
func DefaultReports() map[string]string {
	return map[string]string{
		"ISU_Sequin/Sequin_Workers_Changed":       "workers",
		"ISU_Sequin/Sequin_Organizations_Changed": "organizations",
		"ISU_Sequin/Sequin_Positions_Changed":     "positions",
	}
}

// Server is a Workday emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter

	mu     sync.Mutex // guards store, tokens, rng and last
	rng    *rand.Rand
	store  map[string]*collection
	tokens map[string]time.Time
	last   time.Time // the latest last-updated moment handed out

	faults emulatorkit.Queue[Fault]

	reqs atomic.Int64

	ln emulatorkit.Listener
}

// New builds an emulator and seeds its collections.
func New(cfg Config) *Server {
	if cfg.Tenant == "" {
		cfg.Tenant = "acme"
	}
	if len(cfg.Clients) == 0 {
		cfg.Clients = map[string]string{"sequin": "sequin"}
	}
	if len(cfg.RefreshTokens) == 0 {
		cfg.RefreshTokens = []string{"sequin"}
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = time.Hour
	}
	if len(cfg.Reports) == 0 {
		cfg.Reports = DefaultReports()
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
	s := &Server{cfg: cfg, log: cfg.Logger, store: map[string]*collection{}, tokens: map[string]time.Time{},
		rng:   rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x3a7d)),
		limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow)}
	for _, name := range Collections {
		s.store[name] = &collection{byID: map[string]*object{}}
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
	s.log.Info("workday emulator listening", "url", url, "tenant", s.cfg.Tenant)
	return url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// Close stops the server; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the number of requests received so far, token requests included.
func (s *Server) Requests() int { return int(s.reqs.Load()) }

// Summary describes the emulator for the command line: its URL (a sync's base_url), tenant, change
// reports and live objects.
func (s *Server) Summary() map[string]any {
	s.mu.Lock()
	counts := map[string]any{}
	for name, c := range s.store {
		counts[name] = len(c.order)
	}
	s.mu.Unlock()
	reports := slices.Sorted(maps.Keys(s.cfg.Reports))
	return map[string]any{"url": s.URL(), "tenant": s.cfg.Tenant, "collections": counts, "reports": reports}
}

// ServeHTTP answers one request. The token endpoint stands apart from the API: it is neither
// throttled nor subject to injected faults, which model the API's own answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.Add(1)
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.Wrote() {
				writeResp(sw, errResp(http.StatusInternalServerError, "Internal server error"))
			}
		}
	}()
	if r.URL.Path == "/ccx/oauth2/"+s.cfg.Tenant+"/token" {
		writeResp(sw, s.serveToken(r))
		return
	}
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
	writeResp(sw, resp)
}

// serve routes an API request after authentication.
func (s *Server) serve(r *http.Request) response {
	if !s.authenticated(r) {
		return response{status: http.StatusUnauthorized, body: []byte(`{"error":"invalid_token","error_description":"Invalid access token"}`),
			header: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}}
	}
	if r.Method != http.MethodGet {
		return errResp(http.StatusMethodNotAllowed, "Method "+r.Method+" is not supported by this resource")
	}
	base := s.URL()
	if base == "" {
		base = "http://" + r.Host
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/ccx/api/v1/"+s.cfg.Tenant+"/"); ok {
		return s.serveREST(r, base, rest)
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/ccx/service/customreport2/"+s.cfg.Tenant+"/"); ok {
		return s.serveReport(r, rest)
	}
	return errResp(http.StatusNotFound, "invalid resource or operation")
}
