// Package emulator is a stateful, in-memory emulator of Linear's GraphQL API (POST /graphql): issues,
// projects, teams, users, comments and cycles with Relay connections (first/after, pageInfo),
// orderBy createdAt or updatedAt, updatedAt filters and includeArchived; issueCreate (with a
// client-chosen id), issueUpdate, issueDelete (trash) and issueArchive; Linear's error bodies,
// request and complexity rate limits with their headers, the OAuth token endpoint, signed webhooks,
// and fault injection and a request log for tests. It parses the GraphQL a sync client sends (one
// operation, fields, aliases, arguments, variables) and refuses fragments and directives.
package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// APIKeys are the accepted personal API keys, sent as "Authorization: <key>"; empty accepts any
	// key starting with "lin_api_".
	APIKeys []string
	// AccessTokens are accepted OAuth access tokens, sent as "Authorization: Bearer <token>"; empty
	// accepts any token starting with "lin_oauth_". Tokens the token endpoint issues are accepted
	// until they expire.
	AccessTokens []string
	// ClientID and ClientSecret, when set, are required by the token endpoint.
	ClientID, ClientSecret string
	// RefreshTokens are the refresh tokens the token endpoint accepts; empty accepts any. Refresh
	// tokens it issues are accepted too.
	RefreshTokens []string
	// Seed is the number of entities created per collection at start.
	Seed int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the number of requests admitted per RateLimitWindow (0 = unlimited).
	RateLimit int
	// ComplexityLimit is the number of complexity points admitted per RateLimitWindow (0 = unlimited).
	ComplexityLimit int
	// RateLimitWindow is the window of both limits (default an hour, Linear's).
	RateLimitWindow time.Duration
	// Latency is added to every request.
	Latency time.Duration
	// WebhookURL, when set, receives a signed POST for every change of an issue, project, user,
	// comment or cycle.
	WebhookURL string
	// WebhookSecret is the webhook's signing secret.
	WebhookSecret string
	// Now is the clock of timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request and webhook logs (default: discarded).
	Logger *slog.Logger
}

// Server is a Linear API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg        Config
	log        *slog.Logger
	requests   *budget
	complexity *budget
	hooks      *webhooks

	mu      sync.RWMutex // guards st, rng, tokens and refresh
	st      *store
	rng     *rand.Rand
	tokens  map[string]time.Time // issued access tokens and their expiry
	refresh map[string]bool      // issued refresh tokens

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// RequestRecord is one request as the server saw it.
type RequestRecord struct {
	// Time is when the request arrived.
	Time time.Time
	// Method and Path are the request's.
	Method, Path string
	// Operation is the GraphQL operation's name, or its first root field when unnamed.
	Operation string
	// Query is the GraphQL document sent.
	Query string
	// Complexity is the operation's cost in points.
	Complexity int
	// Status is the HTTP status answered.
	Status int
}

// maxBody bounds a request body.
const maxBody = 1 << 20

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
	s := &Server{
		cfg: cfg, log: cfg.Logger, st: newStore(),
		rng:        rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x11ea5)),
		tokens:     map[string]time.Time{},
		refresh:    map[string]bool{},
		requests:   &budget{limit: cfg.RateLimit, window: cfg.RateLimitWindow},
		complexity: &budget{limit: cfg.ComplexityLimit, window: cfg.RateLimitWindow},
	}
	s.ln.Log = s.log
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, s.log, s.ln.Done())
		s.ln.OnClose = s.hooks.wait
	}
	s.seed(cfg.Seed)
	return s
}

// nowMs is the emulator's clock in unix milliseconds.
func (s *Server) nowMs() int64 { return s.cfg.Now().UnixMilli() }

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	url, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	s.log.Info("linear emulator listening", "url", url)
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

// recorder buffers an answer so that a fault can replace it after the request was applied.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// ServeHTTP answers one request: latency, injected faults, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr := RequestRecord{Time: time.Now(), Method: r.Method, Path: r.URL.Path}
	rec := &recorder{header: http.Header{}}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "path", r.URL.Path, "panic", p)
			rec = &recorder{header: http.Header{}}
			writeErrors(rec, errInternal())
		}
		for k, vs := range rec.header {
			w.Header()[k] = vs
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		rr.Status = rec.status
		s.reqs.Add(rr)
	}()
	rec.header.Set("Date", s.cfg.Now().UTC().Format(http.TimeFormat))
	if !s.ln.Sleep(r.Context(), s.cfg.Latency) {
		writeErrors(rec, errForStatus(http.StatusServiceUnavailable))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeErrors(rec, errParse("The request body could not be read or is larger than 1 MB."))
		return
	}
	fault := s.faults.Take(r.Method, r.URL.Path)
	if fault != nil {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeErrors(rec, errForStatus(http.StatusServiceUnavailable))
			return
		}
		if fault.passive() {
			fault = nil
		} else if !fault.AfterApply {
			fault.write(rec)
			return
		}
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/graphql":
		s.serveGraphQL(rec, r, body, &rr)
	case r.Method == http.MethodPost && r.URL.Path == tokenPath:
		s.serveToken(rec, r, body)
	default:
		rec.header.Set("Content-Type", "text/plain; charset=utf-8")
		rec.WriteHeader(http.StatusNotFound)
		_, _ = rec.Write([]byte("Cannot " + r.Method + " " + r.URL.Path))
	}
	if fault != nil {
		rec = &recorder{header: http.Header{"Date": rec.header["Date"]}}
		fault.write(rec)
	}
}

// gqlRequest is the body of a GraphQL request.
type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// serveGraphQL authenticates, parses, prices, rate-limits and runs one GraphQL request.
func (s *Server) serveGraphQL(w *recorder, r *http.Request, body []byte, rr *RequestRecord) {
	if e := s.authenticate(r.Header.Get("Authorization")); e != nil {
		writeErrors(w, e)
		return
	}
	var req gqlRequest
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&req); err != nil || req.Query == "" {
		writeErrors(w, errParse("POST body must be a JSON object with a \"query\" string."))
		return
	}
	rr.Query = req.Query
	p, e := prepare(req.Query, req.Variables)
	if e != nil {
		writeErrors(w, e)
		return
	}
	rr.Operation, rr.Complexity = p.op.name, p.complexity
	if rr.Operation == "" && len(p.op.sel) > 0 {
		rr.Operation = p.op.sel[0].name
	}
	w.header.Set("X-Complexity", strconv.Itoa(p.complexity))
	if p.complexity > MaxComplexity {
		writeErrors(w, errTooComplex(p.complexity))
		return
	}
	if e := s.admit(w.header, p.complexity); e != nil {
		writeErrors(w, e)
		return
	}
	status, out := s.execute(p)
	w.header.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// admit spends a request and the operation's complexity from the budgets, setting Linear's rate-limit
// headers, or refuses it with RATELIMITED.
func (s *Server) admit(h http.Header, complexity int) *gqlError {
	now := time.Now()
	reqOK, cxOK := true, true
	if s.requests.limit > 0 {
		rem, _ := s.requests.state(now)
		reqOK = rem >= 1
	}
	if s.complexity.limit > 0 {
		rem, _ := s.complexity.state(now)
		cxOK = rem >= complexity
	}
	if reqOK && cxOK {
		if s.requests.limit > 0 {
			s.requests.take(now, 1)
		}
		if s.complexity.limit > 0 {
			s.complexity.take(now, complexity)
		}
	}
	if s.requests.limit > 0 {
		rem, reset := s.requests.state(now)
		if !reqOK {
			reset = s.requests.resetAfter(now, 1)
		}
		h.Set("X-RateLimit-Requests-Limit", strconv.Itoa(s.requests.limit))
		h.Set("X-RateLimit-Requests-Remaining", strconv.Itoa(max(rem, 0)))
		h.Set("X-RateLimit-Requests-Reset", strconv.FormatInt(reset.UnixMilli(), 10))
	}
	if s.complexity.limit > 0 {
		rem, reset := s.complexity.state(now)
		if !cxOK {
			reset = s.complexity.resetAfter(now, complexity)
		}
		h.Set("X-RateLimit-Complexity-Limit", strconv.Itoa(s.complexity.limit))
		h.Set("X-RateLimit-Complexity-Remaining", strconv.Itoa(max(rem, 0)))
		h.Set("X-RateLimit-Complexity-Reset", strconv.FormatInt(reset.UnixMilli(), 10))
	}
	switch {
	case !reqOK:
		return errRateLimited("request")
	case !cxOK:
		return errRateLimited("complexity")
	}
	return nil
}

// authenticate checks the Authorization header: a personal API key as is, or an OAuth access token
// after "Bearer ".
func (s *Server) authenticate(auth string) *gqlError {
	auth = strings.TrimSpace(auth)
	if auth == "" {
		return errAuthentication()
	}
	if token, ok := strings.CutPrefix(auth, "Bearer "); ok {
		token = strings.TrimSpace(token)
		s.mu.RLock()
		exp, issued := s.tokens[token]
		s.mu.RUnlock()
		switch {
		case issued && time.Now().Before(exp):
			return nil
		case issued:
			return errAuthentication()
		case len(s.cfg.AccessTokens) == 0 && strings.HasPrefix(token, "lin_oauth_"):
			return nil
		}
		for _, t := range s.cfg.AccessTokens {
			if t == token {
				return nil
			}
		}
		return errAuthentication()
	}
	if len(s.cfg.APIKeys) == 0 {
		if strings.HasPrefix(auth, "lin_api_") {
			return nil
		}
		return errAuthentication()
	}
	for _, k := range s.cfg.APIKeys {
		if k == auth {
			return nil
		}
	}
	return errAuthentication()
}

// Summary describes the emulator for the command line: its URL, entities per collection and how to
// authenticate.
func (s *Server) Summary() map[string]any {
	counts := map[string]any{}
	for _, c := range Collections {
		counts[c] = s.Count(c)
	}
	keys := "any key starting with lin_api_"
	if len(s.cfg.APIKeys) > 0 {
		keys = strings.Join(s.cfg.APIKeys, ", ")
	}
	sum := map[string]any{"url": s.URL(), "collections": counts, "api_keys": keys, "default_team_id": DefaultTeamID}
	if s.cfg.RateLimit > 0 {
		sum["rate_limit"] = fmt.Sprintf("%d requests per %s", s.cfg.RateLimit, s.cfg.RateLimitWindow)
	}
	if s.cfg.ComplexityLimit > 0 {
		sum["complexity_limit"] = fmt.Sprintf("%d points per %s", s.cfg.ComplexityLimit, s.cfg.RateLimitWindow)
	}
	if s.cfg.WebhookURL != "" {
		sum["webhook_url"] = s.cfg.WebhookURL
	}
	return sum
}
