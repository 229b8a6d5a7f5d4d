// Package emulator is a stateful, in-memory emulator of the QuickBooks Online Accounting API v3 for
// one company (realm): customers, invoices, payments, items, vendors, bills and accounts, with the query
// language (SELECT ... WHERE ... ORDERBY ... STARTPOSITION ... MAXRESULTS), the Change Data Capture
// endpoint, reads, creates with requestid idempotency, sparse updates guarded by SyncToken, deletes,
// the OAuth2 token endpoint with rotating refresh tokens, Intuit's fault bodies, throttling (429) and
// signed webhooks, plus fault injection for tests.
package emulator

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// RealmID is the company's id; requests for another realm are refused (default "9130350000000001").
	RealmID string
	// ClientID and ClientSecret authenticate the OAuth2 app at the token endpoint; empty accepts any.
	ClientID, ClientSecret string
	// RefreshTokens are accepted refresh tokens; empty accepts any non-empty token. Every refresh
	// answers a new refresh token and keeps the old one valid, as Intuit does for a while.
	RefreshTokens []string
	// Seed is the number of objects created of each entity at start.
	Seed int
	// RateLimit is the maximum number of requests per RateLimitWindow (0 = unlimited); QuickBooks
	// allows 500 per minute per realm.
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// TokenTTL is the lifetime of access tokens (default one hour, Intuit's).
	TokenTTL time.Duration
	// WebhookURL, when set, receives a signed notification for every change.
	WebhookURL string
	// WebhookSecret is the app's webhook verifier token, which signs notifications (intuit-signature).
	WebhookSecret string
	// Now is the clock of object timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request logs (default: discarded).
	Logger *slog.Logger
}

// DefaultRealmID is the company used when Config.RealmID is empty.
const DefaultRealmID = "9130350000000001"

// Server is a QuickBooks Online emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter
	hooks *webhooks
	mux   *http.ServeMux

	mu        sync.Mutex // guards the company state below
	entities  map[string]*entityTable
	requests  map[string]stored // requestid -> answer
	access    map[string]time.Time
	refreshes map[string]bool

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// RequestRecord is one request as the server saw it.
type RequestRecord = emulatorkit.Request

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.RealmID == "" {
		cfg.RealmID = DefaultRealmID
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
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
		entities: map[string]*entityTable{}, requests: map[string]stored{}, access: map[string]time.Time{}, refreshes: map[string]bool{}}
	for _, t := range cfg.RefreshTokens {
		s.refreshes[t] = true
	}
	for _, e := range entityKinds {
		s.entities[e.name] = &entityTable{objs: map[string]map[string]any{}}
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

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	return s.ln.Start(addr, s)
}

// Close stops the server and webhook delivery, cutting connections still open after a short grace
// period; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Summary describes the emulator for the command line: its URL, realm and live objects per entity.
func (s *Server) Summary() map[string]any {
	u := s.ln.URL()
	counts := map[string]any{}
	for _, e := range entityKinds {
		counts[e.name] = s.Count(e.name)
	}
	return map[string]any{"url": u, "realm_id": s.cfg.RealmID, "entities": counts}
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
	if !strings.HasPrefix(r.URL.Path, "/v3/") {
		// The token endpoint is another Intuit service: the Accounting API's throttle and the
		// injected faults do not apply to it.
		s.mux.ServeHTTP(sw, r)
		return
	}
	if ok, wait := s.limit.Allow(arrival); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		sw.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeFault(sw, http.StatusTooManyRequests, "THROTTLING", "message=ThrottleExceeded; errorCode=003001; statusCode=429", "The request exceeded the maximum number of requests allowed.", "003001")
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
