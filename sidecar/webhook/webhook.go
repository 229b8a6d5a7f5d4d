// Package webhook receives providers' webhooks at POST /webhooks/{sync_id}: it verifies the provider's
// signature with the sync's webhook secret and schedules an immediate re-fetch of the objects named.
// The payload itself is never trusted as data.
package webhook

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sidecar/extract"
)

// MaxBody bounds a webhook body.
const MaxBody = 1 << 20

// Handler serves POST /webhooks/{sync_id}.
type Handler struct {
	Engine *extract.Engine
	Logger *slog.Logger
}

// ServeHTTP verifies and enqueues; it answers 200 only once the re-fetch is durably scheduled, so the
// provider retries a delivery we could not take.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	syncID := r.PathValue("sync_id")
	if _, err := uuid.Parse(syncID); err != nil {
		http.Error(w, `{"error":{"code":"not_found","message":"no such sync"}}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		http.Error(w, `{"error":{"code":"too_large","message":"webhook body too large"}}`, http.StatusRequestEntityTooLarge)
		return
	}
	header := r.Header.Clone()
	header.Set(providers.RequestURLHeader, requestURL(r)) // overwrites anything the caller sent
	notices, err := h.Engine.VerifyWebhook(r.Context(), syncID, header, body)
	switch {
	case errors.Is(err, extract.ErrSyncGone):
		http.Error(w, `{"error":{"code":"not_found","message":"no such sync"}}`, http.StatusNotFound)
		return
	case errors.Is(err, extract.ErrNoWebhooks):
		http.Error(w, `{"error":{"code":"not_configured","message":"webhooks are not configured for this sync: set the credential's webhook_secret"}}`, http.StatusNotFound)
		return
	case err != nil:
		h.Logger.WarnContext(r.Context(), "rejected webhook", "sync_id", syncID, "error", err)
		http.Error(w, `{"error":{"code":"invalid_signature","message":"webhook signature verification failed"}}`, http.StatusBadRequest)
		return
	}
	if err := h.Engine.EnqueueRefetch(r.Context(), syncID, notices); err != nil {
		h.Logger.ErrorContext(r.Context(), "scheduling webhook refetch failed", "sync_id", syncID, "error", err)
		http.Error(w, `{"error":{"code":"internal","message":"try again"}}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"received":true}`))
}

// requestURL is the URL the provider called: behind a proxy, the scheme and host it forwarded, and the
// request target as sent (path and query in their original encoding and order).
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = strings.TrimSpace(strings.Split(p, ",")[0])
	}
	host := r.Host
	if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
		host = strings.TrimSpace(strings.Split(fh, ",")[0])
	}
	return scheme + "://" + host + r.RequestURI
}
