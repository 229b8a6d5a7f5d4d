// Package emulator is a stateful, in-memory emulator of the HubSpot CRM v3 API: contacts, companies,
// deals, tickets and line items (list with after paging, get, create, update, archive, the search
// endpoint with its filters, sorting, paging and 10,000-result window), owners and pipelines, the
// OAuth token endpoint, HubSpot's error bodies and rate-limit headers, signed webhooks (v1 and v3
// signatures), and fault injection and a request log for tests.
package emulator

import (
	"bytes"
	"fmt"
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
	// AccessTokens are the accepted private-app access tokens; empty accepts any token starting with
	// "pat-". Tokens issued by the OAuth endpoint are always accepted until they expire.
	AccessTokens []string
	// ClientID and ClientSecret, when set, are required by the OAuth token endpoint.
	ClientID, ClientSecret string
	// RefreshTokens are the refresh tokens the OAuth endpoint accepts; empty accepts any.
	RefreshTokens []string
	// PortalID is the account (hub) id in webhook events (default 62515).
	PortalID int64
	// AppID is the app id in webhook events (default 54321).
	AppID int64
	// Seed is the number of objects created in each collection at start (contacts, companies, deals,
	// tickets, line items and owners).
	Seed int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the maximum number of requests per RateLimitWindow outside the search endpoints
	// (0 = unlimited); HubSpot's private apps get 100 per 10 seconds.
	RateLimit int
	// RateLimitWindow is the rolling window of RateLimit (default 10s, HubSpot's).
	RateLimitWindow time.Duration
	// SearchRateLimit is the maximum number of search requests per second (0 = unlimited; HubSpot
	// allows 5 per account).
	SearchRateLimit int
	// SearchLag delays the visibility of changes to the search endpoints, as HubSpot's search index
	// lags behind writes.
	SearchLag time.Duration
	// SearchWindow is the most results one search query can page through (default HubSpot's 10,000);
	// tests shrink it so that the window is reached with fewer objects.
	SearchWindow int
	// Latency is added to every request.
	Latency time.Duration
	// WebhookURL, when set, receives every change as a signed POST of a batch of events.
	WebhookURL string
	// WebhookSecret is the app's client secret, which signs webhooks.
	WebhookSecret string
	// Now is the clock of object timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request and webhook logs (default: discarded).
	Logger *slog.Logger
}

// Server is a HubSpot API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	limit  *emulatorkit.Limiter
	search *emulatorkit.Limiter
	hooks  *webhooks

	mu     sync.RWMutex // guards the store
	st     *store
	tokens map[string]time.Time // OAuth access tokens issued, with their expiry

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// RequestRecord is one request as the server saw it.
type RequestRecord struct {
	// Time is when the request arrived.
	Time time.Time
	// Method is the HTTP method.
	Method string
	// Path is the URL path, without the query.
	Path string
	// Query is the raw query string.
	Query string
	// Body is the request body.
	Body []byte
	// Status is the HTTP status answered.
	Status int
}

// maxBody bounds a request body, as HubSpot does.
const maxBody = 4 << 20

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.RandSeed == 0 {
		cfg.RandSeed = 1
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PortalID == 0 {
		cfg.PortalID = 62515
	}
	if cfg.AppID == 0 {
		cfg.AppID = 54321
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		cfg:    cfg,
		log:    cfg.Logger,
		limit:  emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow),
		search: emulatorkit.NewLimiter(cfg.SearchRateLimit, time.Second),
		tokens: map[string]time.Time{},
	}
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, s.log)
		s.ln.OnClose = s.hooks.close
	}
	s.ln.Log, s.ln.Grace = s.log, 3*time.Second
	now := cfg.Now().UnixMilli()
	s.st = newStore(now)
	seed(s.st, cfg.Seed, uint64(cfg.RandSeed), now)
	s.routes()
	return s
}

// nowMs is the current time in milliseconds, HubSpot's resolution.
func (s *Server) nowMs() int64 { return s.cfg.Now().UnixMilli() }

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	url, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	s.log.Info("hubspot emulator listening", "url", url)
	return url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// Close stops the server and webhook delivery; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []RequestRecord { return s.reqs.Snapshot() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.reqs.Reset() }

// ServeHTTP logs the request, applies faults, authentication and rate limits, then serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Latency > 0 {
		time.Sleep(s.cfg.Latency)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, errBadRequest("Could not read the request body."))
		return
	}
	if len(body) > maxBody {
		writeError(w, &apiError{Status: http.StatusRequestEntityTooLarge, Category: "VALIDATION_ERROR", Message: "Request body too large."})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	seq := s.reqs.Add(RequestRecord{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
	w.Header().Set("Date", s.cfg.Now().UTC().Format(http.TimeFormat))
	cw := emulatorkit.NewStatusWriter(w)
	defer s.reqs.Update(seq, func(rr *RequestRecord) { rr.Status = cw.Status() })

	f := s.faults.Take(r.Method, r.URL.Path)
	if f != nil && f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	if f != nil && !f.passive() && !f.AfterApply {
		f.write(cw)
		return
	}
	if f != nil && f.AfterApply {
		s.serve(emulatorkit.Discard(), r)
		f.write(cw)
		return
	}
	s.serve(cw, r)
}

// serve authenticates, rate limits and routes a request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != tokenPath {
		if e := s.authenticate(r); e != nil {
			writeError(w, e)
			return
		}
		searching := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/search")
		if searching {
			if ok, _ := s.search.Allow(time.Now()); !ok {
				writeError(w, errSecondlyLimit())
				return
			}
		} else {
			ok, remaining, _ := s.limit.Admit(time.Now())
			if s.limit.Limit() > 0 {
				h := w.Header()
				h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", fmt.Sprint(s.cfg.RateLimitWindow.Milliseconds()))
				h.Set("X-HubSpot-RateLimit-Max", fmt.Sprint(s.limit.Limit()))
				h.Set("X-HubSpot-RateLimit-Remaining", fmt.Sprint(remaining))
			}
			if !ok {
				writeError(w, errTenSecondlyLimit())
				return
			}
		}
	}
	s.mux.ServeHTTP(w, r)
}

// authenticate checks the bearer token.
func (s *Server) authenticate(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return errNoAuth()
	}
	s.mu.RLock()
	exp, issued := s.tokens[token]
	s.mu.RUnlock()
	if issued {
		if time.Now().After(exp) {
			return errExpiredToken()
		}
		return nil
	}
	if len(s.cfg.AccessTokens) == 0 {
		if strings.HasPrefix(token, "pat-") {
			return nil
		}
		return errBadToken()
	}
	for _, t := range s.cfg.AccessTokens {
		if t == token {
			return nil
		}
	}
	return errBadToken()
}
