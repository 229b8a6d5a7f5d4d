// Package emulator is a stateful, in-memory emulator of the Airtable Web API: bases with typed tables
// and records, the metadata (schema) API, record listing with offset paging and filterByFormula,
// record writes with Airtable's validation, Airtable's error bodies and per-base rate limit, personal
// access tokens and OAuth2 refresh with rotating refresh tokens, and webhooks (MAC-signed
// notifications and the payloads they point to), plus fault injection for tests. Its metadata is
// deterministic: every emulator has the same bases, tables and fields with the same ids.
package emulator

import (
	"encoding/base64"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
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

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
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
	s := &Server{cfg: cfg, log: cfg.Logger, iterators: map[string]*iterator{},
		limit: newLimiter(cfg.RateLimit, cfg.RateLimitWindow, cfg.RateLimitPenalty)}
	s.st = &state{rng: newRand(cfg.RandSeed), now: func() time.Time { return cfg.Now().UTC().Truncate(time.Millisecond) },
		user: stableID("usr", "sequin")}
	seed(s.st, cfg)
	s.oauth = newOAuthState(cfg, s.st.rng)
	if cfg.WebhookSecret != "" {
		s.hooks = newWebhooks(cfg, s.log)
		s.ln.OnClose = s.hooks.close
	}
	s.reqs.Max = maxRequestLog
	s.ln.Log, s.ln.Grace = s.log, shutdownGrace
	return s
}

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	url, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	s.log.Info("airtable emulator listening", "url", url)
	return url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// shutdownGrace is how long Close lets requests in flight finish before cutting connections: a
// connection a client dialed but never used would hold a graceful shutdown for five seconds.
const shutdownGrace = 500 * time.Millisecond

// Close stops the server and webhook delivery; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the requests received so far (the newest 100,000), in arrival order.
func (s *Server) Requests() []RequestRecord {
	out := s.reqs.Snapshot()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// RequestCount returns the number of requests received since start.
func (s *Server) RequestCount() int { return s.reqs.Count() }

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
