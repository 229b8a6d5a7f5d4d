package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Sign returns a Stripe-Signature header value for payload sent at t: "t=<unix>,v1=<hex HMAC-SHA256 of
// "<unix>.<payload>" keyed with secret>".
func Sign(secret string, t time.Time, payload []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

type hookItem struct {
	ev      *event
	payload []byte
}

// webhooks delivers events to one endpoint, in order, from a single goroutine started on first use.
type webhooks struct {
	url, secret string
	client      *http.Client
	log         *slog.Logger
	delivered   func(*event)
	retryDelays []time.Duration

	mu      sync.Mutex
	queue   []hookItem
	wake    chan struct{}
	started bool
	closed  bool
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
}

func newWebhooks(url, secret string, log *slog.Logger, delivered func(*event)) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	return &webhooks{url: url, secret: secret, log: log, delivered: delivered,
		client:      &http.Client{Timeout: 10 * time.Second},
		retryDelays: []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second},
		wake:        make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// enqueue queues an event for delivery; it never blocks.
func (h *webhooks) enqueue(ev *event, payload []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.queue = append(h.queue, hookItem{ev, payload})
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
		item := h.queue[0]
		h.queue[0] = hookItem{}
		h.queue = h.queue[1:]
		h.mu.Unlock()
		if h.deliver(item) {
			h.delivered(item.ev)
		}
		if h.ctx.Err() != nil {
			return
		}
	}
}

// deliver posts one event, retrying a few times on failure; it reports success.
func (h *webhooks) deliver(item hookItem) bool {
	for attempt := 0; ; attempt++ {
		err := h.post(item.payload)
		if err == nil {
			return true
		}
		if attempt >= len(h.retryDelays) {
			h.log.Warn("webhook delivery failed", "event", item.ev.id, "type", item.ev.typ, "attempts", attempt+1, "error", err)
			return false
		}
		select {
		case <-time.After(h.retryDelays[attempt]):
		case <-h.ctx.Done():
			return false
		}
	}
}

func (h *webhooks) post(payload []byte) error {
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.url, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("building webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Stripe-Signature", Sign(h.secret, time.Now(), payload))
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("posting webhook: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook endpoint answered %d", resp.StatusCode)
	}
	return nil
}

// close stops delivery; queued events are dropped.
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
