// Package httpapi serves the sidecar's HTTP surface: health, metrics, and the management API that
// mirrors the SQL functions of the sequin schema for programs. Handlers call the same SQL functions as
// SQL users, inside a transaction, so the rules live in one place; other services (the consume API,
// webhook receivers) add their routes with Mount and Handle.
package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sequinsync/sequin/sqlapi"
)

// Server is the sidecar's HTTP handler.
type Server struct {
	// Pool is the customer's Postgres, where the SQL functions the handlers call live.
	Pool *pgxpool.Pool
	// Logger receives unexpected errors (default slog.Default()).
	Logger *slog.Logger
	// Registry is served at /metrics (default prometheus.DefaultGatherer).
	Registry *prometheus.Registry
	// Version is reported by /healthz and /v1/openapi.json.
	Version string
	// Credentials seals credentials created through the API at once; when nil they are sealed by the
	// sidecar's control loop moments later.
	Credentials *sqlapi.Credentials
	// MaxBodyBytes bounds request bodies (default DefaultMaxBodyBytes, 1 MiB).
	MaxBodyBytes int64

	once   sync.Once
	mux    *http.ServeMux
	prom   http.Handler
	mu     sync.Mutex
	routes []route
	// hasEventMessage caches that the database defines sequin._event_message.
	hasEventMessage atomic.Bool
}

// Handler returns the handler of every route: the management API, /healthz, /metrics and whatever
// was added with Mount and Handle.
func (s *Server) Handler() http.Handler {
	s.init()
	return http.HandlerFunc(s.serve)
}

// Mount adds a route behind the API's token check, e.g. the consume API's
// Mount("POST /v1/http-consumers/{id}/next", h). The pattern must name a method, so that
// /v1/openapi.json can list the route; it panics otherwise, as http.ServeMux does for a bad pattern.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.add(mountedRoute(pattern, h, false))
}

// Handle adds a route that needs no token (webhook receivers, which verify their own signatures).
// The pattern must name a method, as for Mount.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.add(mountedRoute(pattern, h, true))
}

// Routes lists every registered route as "METHOD /path", sorted.
func (s *Server) Routes() []string {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, rt.pattern())
	}
	sort.Strings(out)
	return out
}

func (s *Server) init() {
	s.once.Do(func() {
		s.mux = http.NewServeMux()
		var g prometheus.Gatherer = prometheus.DefaultGatherer
		if s.Registry != nil {
			g = s.Registry
		}
		s.prom = promhttp.HandlerFor(g, promhttp.HandlerOpts{})
		for _, rt := range apiRoutes() {
			s.register(rt)
		}
	})
}

func (s *Server) add(rt route) {
	s.init()
	s.register(rt)
}

func (s *Server) register(rt route) {
	h := rt.handler
	if h == nil {
		serve := rt.serve
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(s, w, r) })
	}
	if rt.strictQuery {
		h = checkQuery(rt, h)
	}
	if !rt.public {
		h = s.authenticate(h)
	}
	s.mux.Handle(rt.pattern(), h)
	s.mu.Lock()
	s.routes = append(s.routes, rt)
	s.mu.Unlock()
}

// serve dispatches to the mux, answering requests that match no route in the API's JSON error shape.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// The mux's own answer says whether the path exists for another method (405 and Allow) or not.
	rec := &capture{header: http.Header{}, code: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	switch rec.code {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rec.Header().Get("Allow"))
		writeErr(w, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
			Message: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path), Hint: "allowed: " + rec.Header().Get("Allow")})
	case http.StatusNotFound:
		writeErr(w, &Error{Status: http.StatusNotFound, Code: CodeNotFound,
			Message: fmt.Sprintf("no route %s %s", r.Method, r.URL.Path), Hint: "the routes are listed in GET /v1/openapi.json"})
	default: // redirects (a missing trailing slash, an unclean path)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.code)
	}
}

// capture keeps the status and headers of the mux's answer to a request no route matched.
type capture struct {
	header http.Header
	code   int
}

func (c *capture) Header() http.Header         { return c.header }
func (c *capture) Write(b []byte) (int, error) { return len(b), nil }
func (c *capture) WriteHeader(code int)        { c.code = code }

// checkQuery refuses query parameters the route does not take, so a misspelt filter is an error
// rather than silently ignored.
func checkQuery(rt route, next http.Handler) http.Handler {
	known := map[string]bool{}
	for _, p := range rt.doc.query {
		known[p.name] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.URL.Query() {
			if !known[name] {
				names := make([]string, 0, len(known))
				for n := range known {
					names = append(names, n)
				}
				sort.Strings(names)
				hint := "this route takes no query parameters"
				if len(names) > 0 {
					hint = "accepted: " + strings.Join(names, ", ")
				}
				writeErr(w, &Error{Status: http.StatusBadRequest, Code: CodeUnknownParameter,
					Message: fmt.Sprintf("unknown query parameter %q", name), Hint: hint, Field: name})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) maxBodyBytes() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// inTx runs f in a transaction, so that a request's SQL calls succeed or fail together.
func (s *Server) inTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.Pool, f)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, code := "ok", http.StatusOK
	var dbErr string
	if err := s.Pool.Ping(ctx); err != nil {
		status, code, dbErr = "unavailable", http.StatusServiceUnavailable, err.Error()
	}
	WriteJSON(w, code, map[string]any{"status": status, "version": s.Version, "database_error": dbErr})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) { s.prom.ServeHTTP(w, r) }

// WriteJSON writes v as a JSON response with status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
