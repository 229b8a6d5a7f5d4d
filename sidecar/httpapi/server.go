// Package httpapi serves the sidecar's HTTP surface: health, metrics, and (as they are added) the
// management, consume and webhook APIs.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the sidecar's HTTP handler.
type Server struct {
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Version is reported by /healthz.
	Version string

	mux *http.ServeMux
}

// Handler builds the routes.
func (s *Server) Handler() http.Handler {
	if s.mux != nil {
		return s.mux
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	return s.mux
}

// Handle adds a route (used by the services that serve HTTP).
func (s *Server) Handle(pattern string, h http.Handler) {
	s.Handler()
	s.mux.Handle(pattern, h)
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

// WriteJSON writes v as a JSON response with status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
