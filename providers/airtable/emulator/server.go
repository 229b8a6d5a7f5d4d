// Package emulator is a stateful, in-memory emulator of the Airtable Web API: bases with typed tables
// and records, the metadata (schema) API, record listing with offset paging and filterByFormula,
// record writes with Airtable's validation, Airtable's error bodies and per-base rate limit, personal
// access tokens and OAuth2 refresh with rotating refresh tokens, and webhooks (MAC-signed
// notifications and the payloads they point to), plus fault injection for tests. Its metadata is
// deterministic: every emulator has the same bases, tables and fields with the same ids.
package emulator

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Config configures an emulator.
type Config struct {
	// Tokens are the accepted personal access tokens; empty accepts any token starting with "pat".
	Tokens []string
	// Seed is the number of objects created per collection at start: records in each typed table,
	// tables in the main base and bases in the workspace (at least the main base and its three
	// typed tables always exist).
	Seed int
	// RandSeed seeds the generator of record ids and contents (0 means 1); metadata ids never depend
	// on it.
	RandSeed int64
	// RateLimit is the number of requests per RateLimitWindow one base (or, for requests outside a
	// base, one token) may receive before 429s; 0 means unlimited. Airtable allows 5 a second.
	RateLimit int
	// RateLimitWindow is the rate limit's window (default one second).
	RateLimitWindow time.Duration
	// RateLimitPenalty is how long a base keeps answering 429 once over its limit (default 30s, as
	// Airtable's).
	RateLimitPenalty time.Duration
	// AnnounceRetryAfter adds a Retry-After header to 429s, which Airtable does not send; tests with a
	// short penalty use it so that clients need not wait Airtable's 30 seconds.
	AnnounceRetryAfter bool
	// BasesPageSize is the number of bases per page of the list-bases endpoint (default 1000, as
	// Airtable's).
	BasesPageSize int
	// IteratorTTL is how long a listing's offset stays valid (default ten minutes); later it is
	// answered with LIST_RECORDS_ITERATOR_NOT_AVAILABLE.
	IteratorTTL time.Duration
	// WebhookSecret, when set, creates a webhook on the main base whose MAC secret (macSecretBase64)
	// is this value: changes to records are recorded as its payloads. A value that is not base64 is
	// taken as the raw secret and encoded; Summary shows the macSecretBase64 to verify with.
	WebhookSecret string
	// WebhookURL, with WebhookSecret, receives a MAC-signed notification after every change.
	WebhookURL string
	// OAuthClientID is the client id of the OAuth integration (default "sequin-emulator").
	OAuthClientID string
	// OAuthClientSecret, when set, must be sent by the token endpoint's client (HTTP Basic).
	OAuthClientSecret string
	// OAuthRefreshToken is a refresh token valid at start (each refresh rotates it).
	OAuthRefreshToken string
	// AccessTokenTTL is the life of OAuth access tokens (default one hour, as Airtable's).
	AccessTokenTTL time.Duration
	// Latency is added to every request.
	Latency time.Duration
	// Now is the clock of record times and token expiry (default time.Now).
	Now func() time.Time
	// Logger receives request and webhook logs (default: discarded).
	Logger *slog.Logger
}

// Server is an Airtable API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *limiter
	hooks *webhooks

	mu        sync.Mutex // guards st, the iterators, the OAuth tokens and the webhook payloads
	st        *state
	iterators map[string]*iterator
	oauth     *oauthState

	faults faultQueue

	reqMu sync.Mutex
	reqs  []RequestRecord
	nreq  int

	srvMu     sync.Mutex
	srv       *http.Server
	url       string
	serveDone chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

// RequestRecord is one request as the server saw it.
type RequestRecord struct {
	Time   time.Time
	Method string
	// Path is the URL path, without the query.
	Path string
	// Query is the raw query string.
	Query  string
	Status int
}

// maxRequestLog bounds the request log of a long-running emulator.
const maxRequestLog = 100_000

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.RandSeed == 0 {
		cfg.RandSeed = 1
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
	}
	if cfg.RateLimitPenalty <= 0 {
		cfg.RateLimitPenalty = 30 * time.Second
	}
	if cfg.BasesPageSize <= 0 {
		cfg.BasesPageSize = 1000
	}
	if cfg.IteratorTTL <= 0 {
		cfg.IteratorTTL = 10 * time.Minute
	}
	if cfg.OAuthClientID == "" {
		cfg.OAuthClientID = "sequin-emulator"
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if k, err := base64.StdEncoding.DecodeString(cfg.WebhookSecret); cfg.WebhookSecret != "" && (err != nil || len(k) == 0) {
		cfg.WebhookSecret = base64.StdEncoding.EncodeToString([]byte(cfg.WebhookSecret))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, closed: make(chan struct{}), iterators: map[string]*iterator{},
		limit: newLimiter(cfg.RateLimit, cfg.RateLimitWindow, cfg.RateLimitPenalty)}
	s.st = &state{rng: newRand(cfg.RandSeed), now: func() time.Time { return cfg.Now().UTC().Truncate(time.Millisecond) },
		user: stableID("usr", "sequin")}
	seed(s.st, cfg)
	s.oauth = newOAuthState(cfg, s.st.rng)
	if cfg.WebhookSecret != "" {
		s.hooks = newWebhooks(cfg, s.log)
	}
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
	s.log.Info("airtable emulator listening", "url", s.url)
	return s.url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.url
}

// shutdownGrace is how long Close lets requests in flight finish before cutting connections.
const shutdownGrace = 500 * time.Millisecond

// Close stops the server and webhook delivery; it is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		s.srvMu.Lock()
		srv, done := s.srv, s.serveDone
		s.srvMu.Unlock()
		if srv != nil {
			// A graceful shutdown waits for requests in flight (their sleeps end with s.closed). A
			// connection a client dialed but never used stays "new" to net/http for five seconds
			// and would hold Shutdown that long, so after a short grace the rest is cut off: an
			// emulator has nothing to flush, and an idle connection is no failure.
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
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

// Requests returns the requests received so far (the newest 100,000), in arrival order.
func (s *Server) Requests() []RequestRecord {
	s.reqMu.Lock()
	out := append([]RequestRecord(nil), s.reqs...)
	s.reqMu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// RequestCount returns the number of requests received since start.
func (s *Server) RequestCount() int {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return s.nreq
}

func (s *Server) record(rr RequestRecord) {
	s.reqMu.Lock()
	s.nreq++
	if len(s.reqs) >= maxRequestLog {
		n := copy(s.reqs, s.reqs[len(s.reqs)/2:])
		s.reqs = s.reqs[:n]
	}
	s.reqs = append(s.reqs, rr)
	s.reqMu.Unlock()
}

// Summary describes the emulator for the command line: its URL, the main base, and objects per
// collection.
func (s *Server) Summary() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	tables := map[string]any{}
	for _, name := range []string{TasksTable, ContactsTable, ProjectsTable} {
		if t := s.st.main.tableNamed(name); t != nil {
			tables[t.name] = map[string]any{"id": t.id, "records": len(t.records)}
		}
	}
	out := map[string]any{"url": s.URL(), "base_id": s.st.main.id, "base": s.st.main.name, "bases": len(s.st.bases),
		"tables": len(s.st.main.tables), "typed_tables": tables, "oauth_client_id": s.cfg.OAuthClientID}
	if s.hooks != nil {
		out["webhook_id"], out["webhook_secret"] = s.hooks.id, s.cfg.WebhookSecret
	}
	return out
}

// sleep waits for d unless the request or the server ends first; it reports whether it slept fully.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closed:
		return false
	}
}
