package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// WebhookID is the id of the emulated webhook on the main base.
var WebhookID = stableID("ach", MainBaseName+" webhook")

// Sign returns the X-Airtable-Content-MAC value of a notification body: "hmac-sha256=" and the hex
// HMAC-SHA256 of the body keyed with the base64-decoded MAC secret of the webhook.
func Sign(macSecretBase64 string, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(macSecretBase64)
	if err != nil {
		return "", fmt.Errorf("emulator: the MAC secret is not base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return "hmac-sha256=" + hex.EncodeToString(mac.Sum(nil)), nil
}

// notification is a webhook notification's body: it names the base and the webhook, never the
// changes, which the receiver fetches from the payloads endpoint.
func notification(at time.Time) []byte {
	return mustJSON(map[string]any{"base": map[string]string{"id": MainBaseID}, "webhook": map[string]string{"id": WebhookID}, "timestamp": ts(at)})
}

// Notification returns the headers and body of a notification as the webhook would send it now,
// without any change.
func (s *Server) Notification() (http.Header, []byte, error) {
	if s.hooks == nil {
		return nil, nil, fmt.Errorf("emulator: no webhook (set WebhookSecret)")
	}
	body := notification(s.st.now())
	sig, err := Sign(s.cfg.WebhookSecret, body)
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Airtable-Content-MAC", sig)
	return h, body, nil
}

// payload is one entry of the webhook's payload log.
type payload struct {
	number int
	body   map[string]any
}

// webhooks is the webhook of the main base: its payload log and the delivery of notifications to its
// URL, in order, from one goroutine started on first use.
type webhooks struct {
	id, url, secret string
	log             *slog.Logger
	client          *http.Client
	payloads        []payload // guarded by the server's lock
	expires         time.Time // guarded by the server's lock

	mu      sync.Mutex
	queue   [][]byte
	wake    chan struct{}
	started bool
	closed  bool
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
}

func newWebhooks(cfg Config, log *slog.Logger) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	return &webhooks{id: WebhookID, url: cfg.WebhookURL, secret: cfg.WebhookSecret, log: log,
		client: &http.Client{Timeout: 10 * time.Second}, wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel,
		done: make(chan struct{}), expires: cfg.Now().Add(7 * 24 * time.Hour)}
}

// emit records a change of a table of the main base as a webhook payload and notifies the webhook's
// URL; it runs with the server's lock held and never blocks.
func (s *Server) emit(t *table, change map[string]any) {
	if s.hooks == nil || t.base != s.st.main {
		return
	}
	now := s.st.now()
	n := len(s.hooks.payloads) + 1
	s.hooks.payloads = append(s.hooks.payloads, payload{number: n, body: map[string]any{
		"timestamp": ts(now), "baseTransactionNumber": n, "payloadFormat": "v0",
		"actionMetadata":    map[string]any{"source": "publicApi", "sourceMetadata": map[string]any{"user": map[string]any{"id": s.st.user, "email": "sequin@example.com", "permissionLevel": "create"}}},
		"changedTablesById": map[string]any{t.id: change},
	}})
	if s.hooks.url != "" {
		s.hooks.enqueue(notification(now))
	}
}

// serveWebhooks answers the routes below /v0/bases/{baseId}/webhooks.
func (s *Server) serveWebhooks(r *http.Request, seg []string) response {
	if s.st.baseByID(seg[2]) == nil {
		return errResponse(errNoPermission())
	}
	hooks := s.hooks
	if seg[2] != MainBaseID {
		hooks = nil
	}
	switch {
	case len(seg) == 4 && r.Method == http.MethodGet:
		list := []any{}
		if hooks != nil {
			var url any
			if hooks.url != "" {
				url = hooks.url
			}
			list = append(list, map[string]any{"id": hooks.id, "type": "client", "isHookEnabled": true, "areNotificationsEnabled": url != nil,
				"notificationUrl": url, "cursorForNextPayload": len(hooks.payloads) + 1, "expirationTime": ts(hooks.expires),
				"lastNotificationResult": nil, "lastSuccessfulNotificationTime": nil,
				"specification": map[string]any{"options": map[string]any{"filters": map[string]any{"dataTypes": []string{"tableData"}}}}})
		}
		return okJSON(map[string]any{"webhooks": list})
	case len(seg) == 6 && hooks != nil && seg[4] == hooks.id && seg[5] == "payloads" && r.Method == http.MethodGet:
		return s.listPayloads(r, hooks)
	case len(seg) == 6 && hooks != nil && seg[4] == hooks.id && seg[5] == "refresh" && r.Method == http.MethodPost:
		hooks.expires = s.st.now().Add(7 * 24 * time.Hour)
		return okJSON(map[string]any{"expirationTime": ts(hooks.expires)})
	}
	return errResponse(errNotFound())
}

// maxPayloads is the largest limit of a payload listing.
const maxPayloads = 50

// listPayloads is GET .../webhooks/{id}/payloads?cursor=&limit=: payloads from cursor (default 1) in
// transaction order; listing extends the webhook's life by seven days, as on Airtable.
func (s *Server) listPayloads(r *http.Request, hooks *webhooks) response {
	q := r.URL.Query()
	cursor, limit := 1, maxPayloads
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errResponse(errInvalidRequest("Invalid request: parameter validation failed. Check your request data."))
		}
		cursor = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPayloads {
			return errResponse(errInvalidRequest("Invalid request: parameter validation failed. Check your request data."))
		}
		limit = n
	}
	hooks.expires = s.st.now().Add(7 * 24 * time.Hour)
	out := []any{}
	next := cursor
	for _, p := range hooks.payloads {
		if p.number >= cursor && len(out) < limit {
			out = append(out, p.body)
			next = p.number + 1
		}
	}
	return okJSON(map[string]any{"payloads": out, "cursor": next, "mightHaveMore": next <= len(hooks.payloads)})
}

// enqueue queues a notification; it never blocks.
func (h *webhooks) enqueue(body []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.queue = append(h.queue, body)
	if !h.started {
		h.started = true
		go h.run()
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *webhooks) run() {
	defer close(h.done)
	for {
		h.mu.Lock()
		if len(h.queue) == 0 {
			h.mu.Unlock()
			select {
			case <-h.wake:
				continue
			case <-h.ctx.Done():
				return
			}
		}
		body := h.queue[0]
		h.queue = h.queue[1:]
		h.mu.Unlock()
		if err := h.post(body); err != nil {
			h.log.Warn("webhook notification failed", "error", err)
		}
		if h.ctx.Err() != nil {
			return
		}
	}
}

func (h *webhooks) post(body []byte) error {
	sig, err := Sign(h.secret, body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building notification: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Airtable-Content-MAC", sig)
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("posting notification: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("notification endpoint answered %d", resp.StatusCode)
	}
	return nil
}

// close stops delivery; queued notifications are dropped.
func (h *webhooks) close() {
	h.mu.Lock()
	h.closed = true
	started := h.started
	h.mu.Unlock()
	h.cancel()
	if started {
		<-h.done
	}
}
