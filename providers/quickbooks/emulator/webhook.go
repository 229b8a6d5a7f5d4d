package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Sign returns the intuit-signature header value of a notification body: the base64 HMAC-SHA256 of
// the body keyed with the app's verifier token.
func Sign(verifier string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(verifier))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Notification returns the body of a data-change notification about one object, as Intuit sends it.
func (s *Server) Notification(entity, id, operation string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{"eventNotifications": []any{map[string]any{
		"realmId": s.cfg.RealmID,
		"dataChangeEvent": map[string]any{"entities": []any{map[string]any{
			"name": entity, "id": id, "operation": operation, "lastUpdated": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		}}},
	}}})
	return b
}

// webhooks delivers signed notifications to one endpoint, in order.
type webhooks struct {
	url, verifier string
	client        *http.Client
	log           *slog.Logger

	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

func newWebhooks(url, verifier string, log *slog.Logger) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	h := &webhooks{url: url, verifier: verifier, log: log, client: &http.Client{Timeout: 10 * time.Second},
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go h.run()
	return h
}

// notify queues a notification about a change; callers hold s.mu.
func (s *Server) notify(e entityKind, id, operation string, at time.Time) {
	if s.hooks == nil {
		return
	}
	body := s.Notification(e.name, id, operation, at)
	s.hooks.mu.Lock()
	s.hooks.queue = append(s.hooks.queue, body)
	s.hooks.mu.Unlock()
	select {
	case s.hooks.wake <- struct{}{}:
	default:
	}
}

func (h *webhooks) run() {
	defer close(h.done)
	for {
		h.mu.Lock()
		var next []byte
		if len(h.queue) > 0 {
			next, h.queue = h.queue[0], h.queue[1:]
		}
		h.mu.Unlock()
		if next == nil {
			select {
			case <-h.wake:
				continue
			case <-h.ctx.Done():
				return
			}
		}
		h.deliver(next)
	}
}

func (h *webhooks) deliver(body []byte) {
	for attempt, wait := 0, 200*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*4 {
		req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("intuit-signature", Sign(h.verifier, body))
		resp, err := h.client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
		}
		h.log.Debug("webhook delivery failed", "attempt", attempt+1, "error", err)
		select {
		case <-time.After(wait):
		case <-h.ctx.Done():
			return
		}
	}
}

func (h *webhooks) close() {
	h.cancel()
	<-h.done
}
