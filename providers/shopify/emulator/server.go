// Package emulator is a stateful, in-memory emulator of the Shopify Admin REST API (2024-07): products
// with their variants, customers, orders with their fulfillments, locations, inventory levels,
// metafields and events, with Shopify's cursor pagination (Link headers carrying page_info), filters,
// error bodies, access-token checks, leaky-bucket rate limiting and HMAC-signed webhooks, plus fault
// injection and a request log for tests.
package emulator

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// APIVersion is the Admin API version the emulator's base URL names.
const APIVersion = "2024-07"

// Config configures an emulator.
type Config struct {
	// AccessTokens are the accepted access tokens; empty accepts any token starting with "shpat_",
	// "shpca_" or "shppa_".
	AccessTokens []string
	// Shop is the shop's myshopify domain (default "sequin-demo.myshopify.com").
	Shop string
	// Seed is the number of objects created in each collection at start: products, customers and
	// orders; every product has at least one variant, every variant at least one inventory level, and
	// there are at least as many fulfillments as orders.
	Seed int
	// Locations is the number of locations (default 3).
	Locations int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the size of the leaky bucket, in requests, that leaks RateLimit requests per
	// RateLimitWindow; a request arriving at a full bucket gets a 429 (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the time the bucket takes to leak RateLimit requests (default 1s).
	RateLimitWindow time.Duration
	// BucketSize, when set, overrides the bucket size (Shopify's standard bucket is 40 requests
	// leaking 2 per second: RateLimit 2, RateLimitWindow 1s, BucketSize 40).
	BucketSize int
	// Latency is added to every request.
	Latency time.Duration
	// WebhookURL, when set, receives every change as a signed POST.
	WebhookURL string
	// WebhookSecret signs webhooks (the app's client secret).
	WebhookSecret string
	// Now is the clock of object and event timestamps (default time.Now).
	Now func() time.Time
	// Logger receives request and webhook logs (default: discarded).
	Logger *slog.Logger
}

// Server is a Shopify Admin API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg    Config
	log    *slog.Logger
	bucket *bucket
	hooks  *webhooks

	mu  sync.Mutex // guards the shop's state and rng
	rng *rand.Rand
	st  *store

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
	// Status is the HTTP status answered.
	Status int
}

// New builds an emulator and seeds its shop.
func New(cfg Config) *Server {
	if cfg.RandSeed == 0 {
		cfg.RandSeed = 1
	}
	if cfg.RateLimitWindow <= 0 {
		cfg.RateLimitWindow = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Locations <= 0 {
		cfg.Locations = 3
	}
	if cfg.Shop == "" {
		cfg.Shop = "sequin-demo.myshopify.com"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger,
		rng:    rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x5a0f1f)),
		bucket: newBucket(cfg.RateLimit, cfg.RateLimitWindow, cfg.BucketSize)}
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, cfg.Shop, s.log)
		s.ln.OnClose = s.hooks.close
	}
	s.st = newStore()
	s.seed(cfg.Seed)
	s.ln.Log, s.ln.Grace = s.log, 3*time.Second
	return s
}

// now is the current time on the shop's clock, in whole seconds as Shopify's timestamps are.
func (s *Server) now() int64 { return s.cfg.Now().Unix() }

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the API's base
// URL, e.g. "http://127.0.0.1:41234/admin/api/2024-07".
func (s *Server) Start(addr string) (string, error) {
	root, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	url := root + apiPath
	s.log.Info("shopify emulator listening", "url", url, "shop", s.cfg.Shop)
	return url, nil
}

// URL returns the API's base URL after Start, or "".
func (s *Server) URL() string {
	if root := s.ln.URL(); root != "" {
		return root + apiPath
	}
	return ""
}

// apiPath is the path of the API's base URL.
const apiPath = "/admin/api/" + APIVersion

// Close stops the server and webhook delivery; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []RequestRecord { return s.reqs.Snapshot() }

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.reqs.Reset() }

// Summary describes the emulator for the command line: its URL, shop and objects per collection.
func (s *Server) Summary() map[string]any {
	colls := map[string]any{}
	for _, c := range Collections {
		colls[c] = s.Count(c)
	}
	s.mu.Lock()
	events, locations := s.st.events.live(), s.st.locations.live()
	s.mu.Unlock()
	return map[string]any{"url": s.URL(), "shop": s.cfg.Shop, "api_version": APIVersion,
		"collections": colls, "locations": locations, "events": events}
}

// ServeHTTP answers one API request: latency, injected faults, authentication, the rate limit, then
// the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		s.reqs.Add(RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: sw.Status()})
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status(), "duration", time.Since(arrival))
	}()
	h := sw.Header()
	h.Set("X-Request-Id", requestID())
	h.Set("Content-Type", "application/json; charset=utf-8")
	version, rest, ok := splitVersion(r.URL.Path)
	if !ok {
		writeError(sw, errNotFound())
		return
	}
	h.Set("X-Shopify-Api-Version", version)
	if !s.ln.Sleep(r.Context(), s.cfg.Latency) {
		writeError(sw, errForStatus(http.StatusServiceUnavailable))
		return
	}
	fault := s.faults.Take(r.Method, rest)
	if fault != nil && !fault.AfterApply {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeError(sw, errForStatus(http.StatusServiceUnavailable))
			return
		}
		if !fault.passive() {
			fault.write(sw)
			return
		}
		fault = nil
	}
	if !s.authorized(r.Header.Get("X-Shopify-Access-Token")) {
		writeError(sw, errInvalidToken())
		return
	}
	used, capacity, wait, admitted := s.bucket.take(time.Now())
	h.Set("X-Shopify-Shop-Api-Call-Limit", fmt.Sprintf("%d/%d", used, capacity))
	if !admitted {
		h.Set("Retry-After", formatSeconds(wait))
		writeError(sw, errThrottled())
		return
	}
	resp := s.route(r, rest)
	if fault != nil {
		if !s.ln.Sleep(r.Context(), fault.Delay) {
			writeError(sw, errForStatus(http.StatusServiceUnavailable))
			return
		}
		if !fault.passive() {
			fault.write(sw)
			return
		}
	}
	for k, v := range resp.header {
		h.Set(k, v)
	}
	sw.WriteHeader(resp.status)
	_, _ = sw.Write(resp.body)
}

// authorized reports whether token is accepted.
func (s *Server) authorized(token string) bool {
	if token == "" {
		return false
	}
	if len(s.cfg.AccessTokens) == 0 {
		return strings.HasPrefix(token, "shpat_") || strings.HasPrefix(token, "shpca_") || strings.HasPrefix(token, "shppa_")
	}
	for _, t := range s.cfg.AccessTokens {
		if t == token {
			return true
		}
	}
	return false
}

// splitVersion splits "/admin/api/2024-07/products.json" into the version and "/products.json".
func splitVersion(path string) (version, rest string, ok bool) {
	p, found := strings.CutPrefix(path, "/admin/api/")
	if !found {
		return "", "", false
	}
	version, rest, found = strings.Cut(p, "/")
	if !found || !validVersion(version) {
		return "", "", false
	}
	return version, "/" + rest, true
}

// validVersion accepts "YYYY-MM" and "unstable".
func validVersion(v string) bool {
	if v == "unstable" {
		return true
	}
	if len(v) != 7 || v[4] != '-' {
		return false
	}
	for i, c := range v {
		if i != 4 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

const alphabet = "0123456789abcdef"

// requestID returns a random request id like Shopify's X-Request-Id.
func requestID() string {
	b := make([]byte, 36)
	for i := range b {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
		default:
			b[i] = alphabet[rand.IntN(len(alphabet))]
		}
	}
	return string(b)
}
