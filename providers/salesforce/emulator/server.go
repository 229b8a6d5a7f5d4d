// Package emulator is a stateful, in-memory emulator of the Salesforce REST API: the OAuth2
// refresh-token flow, describeGlobal and describe, SOQL through /query and /queryAll with
// nextRecordsUrl paging, sObject create/read/update/delete and upsert by external id, the composite
// resource, Salesforce's error bodies, the daily API limit reported in Sforce-Limit-Info, plus fault
// injection and a request log for tests. Salesforce's REST API signs no outbound webhooks, so the
// emulator sends none.
package emulator

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// APIVersion is the REST API version the emulator advertises first; it answers any version from
// 31.0 on.
const APIVersion = "60.0"

// Config configures an emulator.
type Config struct {
	// Seed is the number of records created per object at start (users get one more: the
	// integration user every write is made by).
	Seed int
	// RandSeed seeds the generator of field values (0 means 1).
	RandSeed int64
	// ClientID and ClientSecret are the connected app's; the token endpoint refuses others. Empty
	// values default to "sequin-emulator" and "sequin-emulator-secret".
	ClientID, ClientSecret string
	// RefreshTokens are the refresh tokens the token endpoint accepts; empty accepts any token that
	// does not start with "revoked".
	RefreshTokens []string
	// AccessTokens are accepted as bearer tokens as they are, without the token endpoint.
	AccessTokens []string
	// SessionTTL is how long an issued access token stays valid (0: until RevokeSessions).
	SessionTTL time.Duration
	// RateLimit is API requests per RateLimitWindow before the emulator refuses with 403
	// REQUEST_LIMIT_EXCEEDED, as Salesforce refuses requests over its concurrent-request limit; the
	// emulator adds a Retry-After saying when a request would be admitted (0: unlimited).
	RateLimit       int
	RateLimitWindow time.Duration
	// DailyLimit is the org's daily API request allocation, reported in Sforce-Limit-Info; requests
	// beyond it are refused with REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded." (default
	// 15000).
	DailyLimit int
	// QueryLocatorTTL is how long an unused nextRecordsUrl stays valid (default 15 minutes).
	QueryLocatorTTL time.Duration
	// Latency is added to every API request.
	Latency time.Duration
	// Now is the org's clock (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// RequestRecord is one request the emulator received.
type RequestRecord struct {
	Time   time.Time
	Method string
	Path   string
	Query  string
	Status int
}

// Server is a Salesforce REST API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex // guards the org's state below
	rng      *rand.Rand
	st       *store
	locators map[string]*locator
	locSeq   int
	sessions map[string]time.Time // access token -> expiry (zero: none)
	usage    int
	window   rateWindow
	suite    int // counter for test-facing defaults

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// New builds an emulator and seeds its org.
func New(cfg Config) *Server {
	if cfg.RandSeed == 0 {
		cfg.RandSeed = 1
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
	}
	if cfg.DailyLimit <= 0 {
		cfg.DailyLimit = 15000
	}
	if cfg.QueryLocatorTTL <= 0 {
		cfg.QueryLocatorTTL = 15 * time.Minute
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "sequin-emulator"
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = "sequin-emulator-secret"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger,
		rng:      rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x5a1e5f0)),
		st:       newStore(),
		locators: map[string]*locator{},
		sessions: map[string]time.Time{},
	}
	s.window = rateWindow{limit: cfg.RateLimit, per: cfg.RateLimitWindow}
	s.seed(cfg.Seed)
	s.ln.Log, s.ln.Grace = s.log, 3*time.Second
	return s
}

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the instance URL,
// e.g. "http://127.0.0.1:41234", which is also the login URL of its token endpoint.
func (s *Server) Start(addr string) (string, error) {
	url, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	s.log.Info("salesforce emulator listening", "url", url)
	return url, nil
}

// URL returns the instance URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// Close stops the server, cutting idle connections; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []RequestRecord { return s.reqs.Snapshot() }

// Summary describes the emulator for the command line: its URL, client id and records per object.
func (s *Server) Summary() map[string]any {
	objs := map[string]any{}
	for _, o := range Objects {
		objs[o] = s.Count(o)
	}
	s.mu.Lock()
	usage := s.usage
	s.mu.Unlock()
	return map[string]any{"url": s.URL(), "login_url": s.URL(), "client_id": s.cfg.ClientID,
		"api_version": APIVersion, "objects": objs, "api_usage": fmt.Sprintf("%d/%d", usage, s.cfg.DailyLimit)}
}

// rateWindow admits limit requests per period, refilling continuously.
type rateWindow struct {
	limit  int
	per    time.Duration
	tokens float64
	last   time.Time
}

// take admits a request at now, or says how long until one would be admitted.
func (w *rateWindow) take(now time.Time) (time.Duration, bool) {
	if w.limit <= 0 {
		return 0, true
	}
	rate := float64(w.limit) / w.per.Seconds()
	if w.last.IsZero() {
		w.tokens = float64(w.limit)
	} else {
		w.tokens = min(float64(w.limit), w.tokens+now.Sub(w.last).Seconds()*rate)
	}
	w.last = now
	if w.tokens >= 1 {
		w.tokens--
		return 0, true
	}
	return time.Duration((1 - w.tokens) / rate * float64(time.Second)), false
}

// SetAPIUsage sets the count of API requests made today, to test clients near the daily limit.
func (s *Server) SetAPIUsage(n int) {
	s.mu.Lock()
	s.usage = n
	s.mu.Unlock()
}
