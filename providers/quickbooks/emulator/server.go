// Package emulator is a stateful, in-memory emulator of the QuickBooks Online Accounting API v3 for
// one company (realm): customers, invoices, payments, items, vendors, bills and accounts, with the query
// language (SELECT ... WHERE ... ORDERBY ... STARTPOSITION ... MAXRESULTS), the Change Data Capture
// endpoint, reads, creates with requestid idempotency, sparse updates guarded by SyncToken, deletes,
// the OAuth2 token endpoint with rotating refresh tokens, Intuit's fault bodies, throttling (429) and
// signed webhooks, plus fault injection for tests.
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
	"strings"
	"sync"
	"time"
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
	limit *limiter
	hooks *webhooks
	mux   *http.ServeMux

	mu        sync.Mutex // guards the company state below
	entities  map[string]*entityTable
	requests  map[string]stored // requestid -> answer
	access    map[string]time.Time
	refreshes map[string]bool

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
	s := &Server{cfg: cfg, log: cfg.Logger, limit: &limiter{limit: cfg.RateLimit, window: cfg.RateLimitWindow},
		entities: map[string]*entityTable{}, requests: map[string]stored{}, access: map[string]time.Time{}, refreshes: map[string]bool{}}
	for _, t := range cfg.RefreshTokens {
		s.refreshes[t] = true
	}
	for _, e := range entityKinds {
		s.entities[e.name] = &entityTable{objs: map[string]map[string]any{}}
	}
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, s.log)
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
		if s.hooks != nil {
			s.hooks.close()
		}
	})
	return err
}

// Summary describes the emulator for the command line: its URL, realm and live objects per entity.
func (s *Server) Summary() map[string]any {
	s.srvMu.Lock()
	u := s.url
	s.srvMu.Unlock()
	counts := map[string]any{}
	for _, e := range entityKinds {
		counts[e.name] = s.Count(e.name)
	}
	return map[string]any{"url": u, "realm_id": s.cfg.RealmID, "entities": counts}
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
	if !strings.HasPrefix(r.URL.Path, "/v3/") {
		// The token endpoint is another Intuit service: the Accounting API's throttle and the
		// injected faults do not apply to it.
		s.mux.ServeHTTP(sw, r)
		return
	}
	if ok, wait := s.limit.allow(arrival); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		sw.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeFault(sw, http.StatusTooManyRequests, "THROTTLING", "message=ThrottleExceeded; errorCode=003001; statusCode=429", "The request exceeded the maximum number of requests allowed.", "003001")
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

// discard is a ResponseWriter that drops the answer of a request whose response is "lost".
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
