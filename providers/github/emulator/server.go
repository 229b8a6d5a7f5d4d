// Package emulator is a stateful, in-memory emulator of the GitHub REST API (v3): an organization with
// its repositories, members, issues, pull requests, issue comments, commits and releases, with GitHub's
// Link-header pagination, filters, ETags, error bodies, rate-limit headers, personal access tokens and
// GitHub App installation tokens, signed webhooks, plus rate limiting and fault injection for tests.
package emulator

import (
	"crypto/rsa"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// Tokens are the accepted personal access tokens; empty accepts any token with a GitHub token
	// prefix (ghp_, github_pat_, gho_, ghu_).
	Tokens []string
	// Seed is the number of objects created in each collection at start.
	Seed int
	// Org is the login of the organization owning the seeded repositories (default "acme").
	Org string
	// ContentRepos is the number of repositories holding the seeded issues, pull requests, comments,
	// commits and releases (default 3); the other repositories are empty, as most are.
	ContentRepos int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the number of requests a token may make per RateLimitWindow (0 = unlimited, while
	// the headers still announce GitHub's 5,000 an hour).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default one hour, as GitHub's).
	RateLimitWindow time.Duration
	// SecondaryLimit is how many requests one credential may have in flight before GitHub's
	// secondary rate limit refuses more (GitHub allows 100); 0 means no secondary limit.
	SecondaryLimit int
	// SecondaryRetryAfter is the Retry-After, in seconds, of a secondary-limit refusal (default 60,
	// the minute GitHub asks for).
	SecondaryRetryAfter int
	// Latency is added to every request.
	Latency time.Duration
	// WebhookURL, when set, receives every change as a signed POST, as a repository or organization
	// webhook would.
	WebhookURL string
	// WebhookSecret signs webhooks (X-Hub-Signature-256).
	WebhookSecret string
	// AppID is the id of the GitHub App whose installation tokens are accepted (default 424242).
	AppID int64
	// InstallationID is the app's installation on the organization (default 4242).
	InstallationID int64
	// AppPublicKey verifies the app's JWTs; nil accepts any well-formed JWT naming AppID.
	AppPublicKey *rsa.PublicKey
	// InstallationTokenTTL is how long an installation token lives (default one hour, as GitHub's).
	InstallationTokenTTL time.Duration
	// APIURL is the API root written into objects' URLs (default "https://api.github.com"); Link
	// headers always point at the emulator itself.
	APIURL string
	// WebURL is the web root written into objects' html_url (default "https://github.com").
	WebURL string
	// Now is the clock of object timestamps and token expiry (default time.Now).
	Now func() time.Time
	// Logger receives request and webhook logs (default: discarded).
	Logger *slog.Logger
}

// Server is a GitHub API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *limiter
	hooks *webhooks

	mu     sync.Mutex // guards st, rng and the installation tokens
	rng    *rand.Rand
	st     *state
	tokens map[string]*installationToken

	faults emulatorkit.Queue[Fault]

	flightMu sync.Mutex
	inFlight map[string]int // requests in flight per credential, for the secondary limit

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
	// Status is the HTTP status answered.
	Status int
}

// maxRequestLog bounds the request log of a long-running emulator; Requests keeps the newest.
const maxRequestLog = 100_000

// New builds an emulator and seeds it.
func New(cfg Config) *Server {
	if cfg.RandSeed == 0 {
		cfg.RandSeed = 1
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Org == "" {
		cfg.Org = "acme"
	}
	if cfg.ContentRepos <= 0 {
		cfg.ContentRepos = 3
	}
	if cfg.AppID == 0 {
		cfg.AppID = 424242
	}
	if cfg.InstallationID == 0 {
		cfg.InstallationID = 4242
	}
	if cfg.SecondaryRetryAfter <= 0 {
		cfg.SecondaryRetryAfter = 60
	}
	if cfg.InstallationTokenTTL <= 0 {
		cfg.InstallationTokenTTL = time.Hour
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.github.com"
	}
	if cfg.WebURL == "" {
		cfg.WebURL = "https://github.com"
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	cfg.WebURL = strings.TrimRight(cfg.WebURL, "/")
	s := &Server{cfg: cfg, log: cfg.Logger, tokens: map[string]*installationToken{}, inFlight: map[string]int{},
		rng:   rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x617468)),
		limit: newLimiter(cfg.RateLimit, cfg.RateLimitWindow)}
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, s.log)
		s.ln.OnClose = s.hooks.close
	}
	s.reqs.Max = maxRequestLog
	s.ln.Log, s.ln.Grace = s.log, shutdownGrace
	s.st = newState(cfg, s.rng)
	s.st.emit = s.emit
	seed(s.st, cfg)
	if s.hooks != nil {
		s.hooks.target = s.st.org.id
	}
	return s
}

func (s *Server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	url, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	s.log.Info("github emulator listening", "url", url)
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

// RequestCount returns the number of requests received since start (or the last ResetRequests).
func (s *Server) RequestCount() int { return s.reqs.Count() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.reqs.Reset() }

// Summary describes the emulator for the command line: its URL, the organization, the repositories
// holding content, and live objects per collection.
func (s *Server) Summary() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	colls := map[string]any{}
	for _, c := range Collections {
		colls[c] = s.st.count(c)
	}
	var content []string
	for _, r := range s.st.liveRepos() {
		if r.content {
			content = append(content, r.fullName())
		}
	}
	return map[string]any{
		"url": s.URL(), "org": s.st.org.login, "content_repos": content, "collections": colls,
		"app_id": s.cfg.AppID, "installation_id": s.cfg.InstallationID,
	}
}
