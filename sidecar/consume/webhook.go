package consume

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// webhookSink POSTs batches as {"data": [event, ...]} to the consumer's URL. Any 2xx delivers the
// whole batch; anything else fails it.
type webhookSink struct {
	cfg    *webhookConfig
	client *http.Client
	// userAgent names the sidecar to receivers.
	userAgent string
}

// newWebhookSink sends with transport; by default (nil or http.DefaultTransport) with a transport
// of its own that keeps a connection per request in flight (max_in_flight) open between batches,
// where the shared default keeps two per host and would dial again and again, and whose idle
// connections close with the consumer.
func newWebhookSink(cfg *webhookConfig, transport http.RoundTripper, userAgent string) *webhookSink {
	if transport == nil || transport == http.DefaultTransport {
		own := http.DefaultTransport.(*http.Transport).Clone()
		own.MaxIdleConnsPerHost = max(cfg.maxInFlight(), 2)
		transport = own
	}
	return &webhookSink{cfg: cfg, client: &http.Client{Transport: transport, Timeout: cfg.timeout()}, userAgent: userAgent}
}

// webhookBody is the request body of a batch: the event documents as they are, under "data".
func webhookBody(msgs []Message) []byte {
	size := 12
	for _, m := range msgs {
		size += len(m.Body) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"data":[`...)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m.Body...)
	}
	return append(b, "]}"...)
}

func (s *webhookSink) deliver(ctx context.Context, msgs []Message) []error {
	return fill(len(msgs), s.post(ctx, webhookBody(msgs)))
}

func (s *webhookSink) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	if s.cfg.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(s.cfg.Secret, body))
		req.Header.Set(TimestampedSignatureHeader, SignTimestamped(s.cfg.Secret, body, time.Now()))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", redactURL(s.cfg.URL), err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("POST %s answered %s: %s", redactURL(s.cfg.URL), resp.Status, strings.TrimSpace(string(snippet)))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &retryAfterError{err: err, after: d}
		}
	}
	return err
}

func (s *webhookSink) close() { s.client.CloseIdleConnections() }

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// redactURL drops the user info and query of a URL for messages: they may hold credentials.
func redactURL(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.Index(rest, "@"); at >= 0 && at < strings.IndexByte(rest+"/", '/') {
			rest = rest[at+1:]
		}
		return scheme + "://" + rest
	}
	return raw
}
