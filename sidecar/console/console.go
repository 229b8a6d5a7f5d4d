// Package console serves a web console for people watching their syncs: a page at /console that
// reads the management API with the token the user signs in with, plus the few read-only routes the
// page needs that the API does not have (mutation and consumer lists, the event stream's end, rate
// limit use). The page's assets are embedded, so the console works offline and ships in the binary.
package console

import (
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// Console serves the console's page and its data routes.
type Console struct {
	// Pool is the customer's Postgres, read by the console's own data routes.
	Pool *pgxpool.Pool
	// Logger receives unexpected errors (default slog.Default()).
	Logger *slog.Logger
}

// Register adds the console to api: the page and its assets need no token (they hold no data), the
// data routes sit behind the API's token check like every /v1 route.
func (c *Console) Register(api *httpapi.Server) {
	api.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	api.Handle("GET /console/", assetHandler())
	api.Mount("GET /console/api/mutations", http.HandlerFunc(c.listMutations))
	api.Mount("GET /console/api/consumers", http.HandlerFunc(c.listConsumers))
	api.Mount("GET /console/api/consumers/{id}/dead-letters", http.HandlerFunc(c.listDeadLetters))
	api.Mount("GET /console/api/events/last", http.HandlerFunc(c.lastEvent))
	api.Mount("GET /console/api/record", http.HandlerFunc(c.getRecord))
	api.Mount("GET /console/api/rate-limits", http.HandlerFunc(c.listRateLimits))
}

func (c *Console) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// fail answers a request whose query failed unexpectedly, logging the cause.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		httpapi.WriteError(w, http.StatusServiceUnavailable, httpapi.CodeUnavailable, "the request was canceled", "")
		return
	}
	c.logger().ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "error", err)
	httpapi.WriteError(w, http.StatusInternalServerError, httpapi.CodeInternal, "internal error; the sidecar's log has the details", "")
}
