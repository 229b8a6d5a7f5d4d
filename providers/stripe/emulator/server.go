// Package emulator is a stateful, in-memory emulator of the Stripe REST API: customers, subscriptions,
// invoices, charges, payment intents, products, prices, refunds, disputes, payouts, balance
// transactions, coupons and events, with Stripe's pagination, filters, errors, idempotency keys,
// signed webhooks and Connect accounts, plus rate limiting and fault injection for tests.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
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
	limit *limiter
	hooks *webhooks

	mu       sync.RWMutex // guards all account state and rng
	rng      *rand.Rand
	def      *account
	accounts map[string]*account

	faults faultQueue

	reqMu sync.Mutex
	reqs  []RequestRecord

	srvMu     sync.Mutex
	srv       *http.Server
	url       string
	serveDone chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

// RequestRecord is one request as the server saw it.
type RequestRecord struct {
	// Time is when the request arrived.
	Time time.Time
	// Method is the HTTP method.
	Method string
	// Path is the URL path, without the query.
	Path string
	// Status is the HTTP status answered.
	Status int
}

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
	s := &Server{cfg: cfg, log: cfg.Logger, accounts: map[string]*account{}, closed: make(chan struct{}),
		rng:   rand.New(rand.NewPCG(uint64(cfg.RandSeed), 0x5eed)),
		limit: &limiter{limit: cfg.RateLimit, window: cfg.RateLimitWindow}}
	if cfg.WebhookURL != "" {
		s.hooks = newWebhooks(cfg.WebhookURL, cfg.WebhookSecret, s.log, s.delivered)
	}
	s.def = newAccount("")
	s.accounts[""] = s.def
	newSeeder(cfg.RandSeed, cfg.Seed, s.now().Unix()).seed(s.def, !cfg.SkipSeedEvents)
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
	s.log.Info("stripe emulator listening", "url", s.url)
	return s.url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.url
}

// Close stops the server and webhook delivery; it is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		s.srvMu.Lock()
		srv, done := s.srv, s.serveDone
		s.srvMu.Unlock()
		if srv != nil {
			// A graceful shutdown waits for in-flight requests. Connections a
			// client dialed but never used stay "new" to net/http for five
			// seconds, so past a short grace period the rest is cut off: an
			// emulator has nothing to flush.
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

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []RequestRecord {
	s.reqMu.Lock()
	out := append([]RequestRecord(nil), s.reqs...)
	s.reqMu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.reqMu.Lock()
	s.reqs = nil
	s.reqMu.Unlock()
}

func (s *Server) record(rr RequestRecord) {
	s.reqMu.Lock()
	s.reqs = append(s.reqs, rr)
	s.reqMu.Unlock()
}

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

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
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
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("emulator handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.wrote {
				writeError(sw, &Error{Status: http.StatusInternalServerError, Type: "api_error", Message: "An unknown error occurred."})
			}
		}
		s.record(RequestRecord{Time: arrival, Method: r.Method, Path: r.URL.Path, Status: sw.status})
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(arrival))
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
	if !s.sleep(r.Context(), s.cfg.Latency) {
		writeError(sw, errForStatus(http.StatusServiceUnavailable))
		return
	}
	if ok, wait := s.limit.allow(arrival); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeError(sw, errRateLimit())
		return
	}
	fault := s.faults.take(r.Method, r.URL.Path)
	if fault != nil && !fault.AfterApply {
		if !s.sleep(r.Context(), fault.Delay) {
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
		if !s.sleep(r.Context(), fault.Delay) {
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
