package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// OrganizationID is the emulated workspace's id, found in webhook payloads.
const OrganizationID = "0b8d2f6e-5a1c-4e2b-8f3d-7c9a1e4b6d20"

// WebhookID is the id of the emulated webhook subscription.
const WebhookID = "7f3e9a2c-1b4d-4c8e-a6f0-2d5b8e1c9a37"

// Sign returns the Linear-Signature header of a delivery: the hex HMAC-SHA256 of the raw body, keyed by
// the webhook's signing secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// delivery is a queued webhook: its event and when the change happened.
type delivery struct {
	event   string
	payload map[string]any
}

// payload builds the body of a webhook about e, as Linear sends it: the action, the entity type, the
// entity's fields (ids of related entities flattened, as "teamId"), its URL, and the times of the
// change and of the delivery (webhookTimestamp, unix ms, which the signature covers).
func (s *Server) payload(action string, e *entity, at int64) map[string]any {
	return map[string]any{
		"action":         action,
		"actor":          map[string]any{"id": s.viewerID(), "type": "user"},
		"createdAt":      iso(at),
		"data":           e.flat(),
		"organizationId": OrganizationID,
		"type":           types[e.typ].webhook,
		"url":            e.props["url"],
		"webhookId":      WebhookID,
	}
}

// signed renders a payload at a delivery time and returns its headers and body.
func signed(secret string, p map[string]any, at time.Time) (http.Header, []byte) {
	p["webhookTimestamp"] = at.UnixMilli()
	body, _ := json.Marshal(p)
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("User-Agent", "Linear-Webhook")
	h.Set("Linear-Delivery", fmt.Sprintf("%x", sha256.Sum256(body))[:32])
	h.Set("Linear-Event", fmt.Sprint(p["type"]))
	h.Set("Linear-Signature", Sign(secret, body))
	return h, body
}

// emit queues the webhook of a change, for types Linear sends webhooks about; s.mu is held.
func (s *Server) emit(action string, e *entity, at int64) {
	if s.hooks == nil || types[e.typ].webhook == "" {
		return
	}
	s.hooks.enqueue(delivery{event: types[e.typ].webhook, payload: s.payload(action, e, at)})
}

// webhooks delivers deliveries in order, one POST each, retrying failures a few times with backoff
// as Linear does.
type webhooks struct {
	url, secret string
	log         *slog.Logger
	client      *http.Client
	stop        <-chan struct{}

	mu    sync.Mutex
	queue []delivery
	wake  chan struct{}
	done  chan struct{}
}

func newWebhooks(url, secret string, log *slog.Logger, stop <-chan struct{}) *webhooks {
	w := &webhooks{url: url, secret: secret, log: log, client: &http.Client{Timeout: 5 * time.Second},
		stop: stop, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.run()
	return w
}

// enqueue adds a delivery.
func (w *webhooks) enqueue(d delivery) {
	w.mu.Lock()
	w.queue = append(w.queue, d)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// wait returns once delivery has stopped; the server's closing stops it.
func (w *webhooks) wait() { <-w.done }

func (w *webhooks) run() {
	defer close(w.done)
	// A delivery in flight is cut off when the server closes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-w.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-w.stop:
			return
		case <-w.wake:
		}
		for {
			w.mu.Lock()
			if len(w.queue) == 0 {
				w.mu.Unlock()
				break
			}
			d := w.queue[0]
			w.queue = w.queue[1:]
			w.mu.Unlock()
			if !w.deliver(ctx, d) {
				return
			}
		}
	}
}

// deliver POSTs one delivery, retrying failures; it reports false when the server is closing.
func (w *webhooks) deliver(ctx context.Context, d delivery) bool {
	for attempt := range 4 {
		h, body := signed(w.secret, d.payload, time.Now())
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
		if err == nil {
			req.Header = h
			var resp *http.Response
			if resp, err = w.client.Do(req); err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					cancel()
					return true
				}
				err = fmt.Errorf("HTTP %d", resp.StatusCode)
			}
		}
		cancel()
		w.log.Warn("webhook delivery failed", "url", w.url, "attempt", attempt, "error", err)
		select {
		case <-w.stop:
			return false
		case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
		}
	}
	return true
}
