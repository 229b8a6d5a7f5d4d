// Package emulator is a stateful, in-memory emulator of the Stripe REST API: customers, subscriptions,
// invoices, charges, payment intents, products, prices, refunds, disputes, payouts, balance
// transactions, coupons and events, with Stripe's pagination, filters, errors, idempotency keys,
// signed webhooks and Connect accounts, plus rate limiting and fault injection for tests.
package emulator

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers/emulatorkit"
)

// Config configures an emulator.
type Config struct {
	// APIKeys are the accepted secret keys; empty accepts any key starting with "sk_" or "rk_".
	APIKeys []string
	// Seed is the number of objects created in each collection at start.
	Seed int
	// RandSeed seeds the deterministic generator (0 means 1).
	RandSeed int64
	// RateLimit is the maximum number of requests per RateLimitWindow (0 = unlimited).
	RateLimit int
	// RateLimitWindow is the rate limit's window (default 1s).
	RateLimitWindow time.Duration
	// Latency is added to every request.
	Latency time.Duration
	// WebhookURL, when set, receives every event as a signed POST.
	WebhookURL string
	// WebhookSecret ("whsec_...") signs webhooks.
	WebhookSecret string
	// Now is the clock of object and event timestamps and idempotency expiry (default time.Now).
	Now func() time.Time
	// Logger receives request and webhook logs (default: discarded).
	Logger *slog.Logger
	// SkipSeedEvents seeds objects without their "*.created" events.
	SkipSeedEvents bool
}

// Server is a Stripe API emulator; it is an http.Handler and can listen by itself with Start.
type Server struct {
	cfg   Config
	log   *slog.Logger
	limit *emulatorkit.Limiter
	hooks *webhooks

	mu       sync.RWMutex // guards all account state and rng
	rng      *rand.Rand
	def      *account
	accounts map[string]*account

	faults emulatorkit.Queue[Fault]

	reqs emulatorkit.Log[RequestRecord]

	ln emulatorkit.Listener
}

// RequestRecord is one request as the server saw it.
type RequestRecord = emulatorkit.Request

// New builds an emulator and seeds its default account.
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
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, accounts: map[string]*account{},
		rng:   rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x5eed)),
		limit: emulatorkit.NewLimiter(cfg.RateLimit, cfg.RateLimitWindow)}
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, s.log, s.delivered)
		s.ln.OnClose = s.hooks.close
	}
	s.def = newAccount("")
	s.accounts[""] = s.def
	newSeeder(cfg.RandSeed, cfg.Seed, s.now().Unix()).seed(s.def, !cfg.SkipSeedEvents)
	s.ln.Log = s.log
	return s
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// delivered marks an event's webhook as delivered.
func (s *Server) delivered(ev *event) {
	s.mu.Lock()
	ev.webhooks = 0
	s.mu.Unlock()
}

// Handler returns the emulator's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// Start listens on addr (e.g. "127.0.0.1:0"), serves in the background and returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	url, err := s.ln.Start(addr, s)
	if err != nil {
		return "", err
	}
	s.log.Info("stripe emulator listening", "url", url)
	return url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string { return s.ln.URL() }

// Close stops the server and webhook delivery; it is safe to call more than once.
func (s *Server) Close() error { return s.ln.Close() }

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []RequestRecord {
	out := s.reqs.Snapshot()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.reqs.Reset() }

// Summary describes the emulator for the command line: its URL, objects per collection and events.
func (s *Server) Summary() map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	colls := map[string]any{}
	for _, spec := range specs {
		colls[spec.name] = s.def.coll(spec.name).live
	}
	return map[string]any{"url": s.URL(), "collections": colls, "events": s.def.events.live}
}

// account returns the state of a connected account (or the platform's for ""), creating it empty.
func (s *Server) account(id string) *account {
	s.mu.RLock()
	a := s.accounts[id]
	s.mu.RUnlock()
	if a != nil {
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a = s.accounts[id]; a == nil {
		a = newAccount(id)
		s.accounts[id] = a
	}
	return a
}

func requestID() string {
	b := make([]byte, 14)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return "req_" + string(b)
}

// ServeHTTP answers one API request: latency, rate limit, injected faults, then the API itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	sw := emulatorkit.NewStatusWriter(w)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.Wrote() {
				writeError(sw, &Error{Status: http.StatusInternalServerError, Type: "api_error", Message: "An unknown error occurred."})
			}
		}
		s.reqs.Add(RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Status: sw.Status()})
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.Status(), "duration", time.Since(arrival))
	}()
	reqID := requestID()
	h := sw.Header()
	h.Set("Request-Id", reqID)
	h.Set("Content-Type", "application/json")
	if v := r.Header.Get("Stripe-Version"); v != "" {
		h.Set("Stripe-Version", v)
	} else {
		h.Set("Stripe-Version", APIVersion)
	}
	if !s.ln.Sleep(r.Context(), s.cfg.Latency) {
		writeError(sw, errForStatus(http.StatusServiceUnavailable))
		return
	}
	if ok, wait := s.limit.Allow(arrival); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeError(sw, errRateLimit())
		return
	}
	fault := s.faults.Take(r.Method, r.URL.Path)
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
	resp := s.serve(r, reqID)
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

func writeError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(e.body())
}
