package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Sign returns the X-Shopify-Hmac-Sha256 value of body: base64 of HMAC-SHA256 keyed by the app's
// secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// WebhookHeader returns the headers Shopify sends with a webhook of topic triggered at at.
func WebhookHeader(secret, shop, topic string, body []byte, at time.Time) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Shopify-Topic", topic)
	h.Set("X-Shopify-Hmac-Sha256", Sign(secret, body))
	h.Set("X-Shopify-Shop-Domain", shop)
	h.Set("X-Shopify-Api-Version", APIVersion)
	h.Set("X-Shopify-Webhook-Id", requestID())
	h.Set("X-Shopify-Event-Id", requestID())
	h.Set("X-Shopify-Triggered-At", at.UTC().Format(time.RFC3339Nano))
	return h
}

// hookItem is one webhook waiting for delivery.
type hookItem struct {
	topic string
	body  []byte
	at    time.Time
}

// webhooks delivers webhooks to one URL in order, from a single goroutine, retrying failures a few
// times with backoff as Shopify does (much faster, for tests).
type webhooks struct {
	url, secret, shop string
	log               *slog.Logger
	client            *http.Client

	mu      sync.Mutex
	queue   []hookItem
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	stopped chan struct{}
}

func newWebhooks(url, secret, shop string, log *slog.Logger) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	w := &webhooks{url: url, secret: secret, shop: shop, log: log, client: &http.Client{Timeout: 5 * time.Second},
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, stopped: make(chan struct{})}
	go w.run()
	return w
}

// enqueue adds a webhook without blocking.
func (w *webhooks) enqueue(topic string, body []byte, at time.Time) {
	w.mu.Lock()
	w.queue = append(w.queue, hookItem{topic: topic, body: bytes.Clone(body), at: at})
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *webhooks) run() {
	defer close(w.stopped)
	for {
		w.mu.Lock()
		var item *hookItem
		if len(w.queue) > 0 {
			it := w.queue[0]
			w.queue = w.queue[1:]
			item = &it
		}
		w.mu.Unlock()
		if item == nil {
			select {
			case <-w.wake:
				continue
			case <-w.ctx.Done():
				return
			}
		}
		w.deliver(*item)
	}
}

// deliver posts one webhook, retrying up to three times.
func (w *webhooks) deliver(it hookItem) {
	for attempt := range 4 {
		if attempt > 0 {
			d := time.Duration(100<<attempt)*time.Millisecond + rand.N(50*time.Millisecond)
			select {
			case <-time.After(d):
			case <-w.ctx.Done():
				return
			}
		}
		err := w.post(it)
		if err == nil {
			return
		}
		w.log.Debug("webhook delivery failed", "topic", it.topic, "attempt", attempt+1, "error", err)
	}
	w.log.Warn("webhook dropped after retries", "topic", it.topic)
}

func (w *webhooks) post(it hookItem) error {
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.url, bytes.NewReader(it.body))
	if err != nil {
		return err
	}
	req.Header = WebhookHeader(w.secret, w.shop, it.topic, it.body, it.at)
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func (w *webhooks) close() {
	w.cancel()
	<-w.stopped
}
