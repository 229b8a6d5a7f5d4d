package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// webhooks delivers Auth0 event-stream CloudEvents (user.created, user.updated, user.deleted) to one
// endpoint, in order, authenticated with the stream's bearer token as Auth0 does.
type webhooks struct {
	url, token string
	client     *http.Client
	log        *slog.Logger

	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

func newWebhooks(url, token string, log *slog.Logger) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	h := &webhooks{url: url, token: token, log: log, client: &http.Client{Timeout: 10 * time.Second},
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go h.run()
	return h
}

// notify queues a CloudEvent about a user change; callers hold s.mu. Event streams cover users only.
func (s *Server) notify(k kind, action string, o map[string]any, now time.Time) {
	if s.hooks == nil || k.name != "users" {
		return
	}
	s.seq++
	ev := map[string]any{
		"specversion": "1.0", "type": "user." + action, "source": "urn:auth0:" + s.cfg.Domain,
		"id": "evt_" + alnumID(20), "time": now.UTC().Format(time.RFC3339Nano),
		"data": map[string]any{"object": clone(o)}, "a0tenant": "sequin-test", "a0stream": "est_sequin",
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	s.hooks.mu.Lock()
	s.hooks.queue = append(s.hooks.queue, b)
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

// deliver posts one event, retrying a few times on failure.
func (h *webhooks) deliver(body []byte) {
	for attempt, wait := 0, 200*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*4 {
		req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/cloudevents+json")
		if h.token != "" {
			req.Header.Set("Authorization", "Bearer "+h.token)
		}
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
