package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limiter paces requests against a credential's budget. Acquire blocks until a request may be sent and
// returns a release function to call when its response has been read.
type Limiter interface {
	Acquire(ctx context.Context) (release func(), err error)
}

// Session is what a collection function gets: a ready HTTP client for one sync and its settings.
type Session struct {
	// SyncID is the sync this session serves.
	SyncID string
	// Client sends requests with auth, rate limiting and retries already applied.
	Client *Client
	// Credential is the decrypted credential.
	Credential Credential
	// Options are the sync's options (schema, base_url, poll_interval_ms, provider-specific keys).
	Options map[string]any
}

// Option returns a string option of the sync, or "" when absent.
func (s *Session) Option(name string) string {
	v, _ := s.Options[name].(string)
	return v
}

// Client is the HTTP plumbing shared by every provider: base URL, authentication (through the
// transport), a shared rate limiter, retries with backoff on transient errors and honouring 429s.
type Client struct {
	// BaseURL is prefixed to relative request paths.
	BaseURL string
	// HTTP sends requests; its transport authenticates them.
	HTTP *http.Client
	// Limiter paces requests; nil means unpaced.
	Limiter Limiter
	// Classify turns a non-2xx response into an *Error.
	Classify func(status int, header http.Header, body []byte) *Error
	// MaxAttempts bounds tries of one request for transient errors (default 4).
	MaxAttempts int
	// MaxRateLimitWait is the longest Retry-After honoured inline; longer waits return the error so the
	// job can be rescheduled instead of holding a worker (default 30s).
	MaxRateLimitWait time.Duration
	// Logger receives retry notices.
	Logger *slog.Logger
	// sleep is replaceable in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

// Request is one API call.
type Request struct {
	Method string
	// Path is relative to BaseURL ("/v1/customers") or an absolute URL (next-page links).
	Path   string
	Query  url.Values
	Header http.Header
	// Body is sent as is; set Content-Type in Header.
	Body []byte
}

// Response is a read response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// DecodeJSON decodes the body into v, classifying a failure as malformed.
func (r *Response) DecodeJSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return Malformed(err, "decoding response (HTTP %d, %d bytes): %v", r.Status, len(r.Body), err)
	}
	return nil
}

// maxBody bounds what we read of one response, so a broken upstream cannot exhaust memory.
const maxBody = 64 << 20

// Do sends req, retrying transient failures and rate limits, and returns the response for 2xx and 304.
// Any other outcome is returned as an error classified by the provider.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 4
	}
	maxWait := c.MaxRateLimitWait
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	var lastErr error
	rateLimited := 0
	for attempt := 1; attempt <= attempts; attempt++ {
		resp, err := c.once(ctx, req)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil || !IsRetryable(err) {
			return nil, err
		}
		wait := backoff(attempt)
		if d, ok := RetryAfter(err); ok {
			rateLimited++
			if d > maxWait || rateLimited > 5 {
				return nil, err
			}
			if d > 0 {
				wait = d
			}
			attempt-- // a honoured rate limit is not a failed attempt
		}
		if c.Logger != nil {
			c.Logger.DebugContext(ctx, "retrying upstream request", "method", req.Method, "path", req.Path, "attempt", attempt, "wait", wait, "error", err)
		}
		if err := c.doSleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, lastErr
}

func (c *Client) doSleep(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is exponential with full jitter: up to 250ms, 500ms, 1s, ... capped at 10s.
func backoff(attempt int) time.Duration {
	ceiling := min(250*time.Millisecond<<(attempt-1), 10*time.Second)
	return ceiling/2 + rand.N(ceiling/2+1)
}

func (c *Client) once(ctx context.Context, req *Request) (*Response, error) {
	u, err := c.resolve(req)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u, body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	for k, vs := range req.Header {
		hreq.Header[k] = vs
	}
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json")
	}
	if c.Limiter != nil {
		release, err := c.Limiter.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("waiting for rate limit: %w", err)
		}
		defer release()
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	hresp, err := hc.Do(hreq)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			var pe *Error // an authenticating transport may return a classified error (e.g. revoked token)
			if errors.As(ue.Err, &pe) {
				return nil, pe
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Kind: ErrRetryable, Message: redactURL(err.Error()), Err: err}
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, maxBody))
	if err != nil {
		return nil, &Error{Kind: ErrRetryable, Status: hresp.StatusCode, Message: "reading response: " + err.Error(), Err: err}
	}
	resp := &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: data}
	if hresp.StatusCode/100 == 2 || hresp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	var e *Error
	if c.Classify != nil {
		e = c.Classify(hresp.StatusCode, hresp.Header, data)
	}
	if e == nil {
		e = ClassifyStatus(hresp.StatusCode, hresp.Header, "", strings.TrimSpace(string(truncate(data, 300))))
	}
	if e.Status == 0 {
		e.Status = hresp.StatusCode
	}
	return nil, e
}

func (c *Client) resolve(req *Request) (string, error) {
	raw := req.Path
	if !strings.HasPrefix(raw, "http://") && !strings.HasPrefix(raw, "https://") {
		raw = strings.TrimRight(c.BaseURL, "/") + "/" + strings.TrimLeft(raw, "/")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("request URL %q: %w", raw, err)
	}
	if len(req.Query) > 0 {
		q := u.Query()
		for k, vs := range req.Query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// GetJSON sends a GET and decodes the JSON answer into out.
func (c *Client) GetJSON(ctx context.Context, path string, query url.Values, header http.Header, out any) (*Response, error) {
	resp, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: path, Query: query, Header: header})
	if err != nil {
		return nil, err
	}
	return resp, resp.DecodeJSON(out)
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// redactURL drops query strings from error texts, since some APIs carry keys in them.
func redactURL(s string) string {
	if i := strings.Index(s, "?"); i >= 0 {
		if j := strings.IndexAny(s[i:], " \""); j >= 0 {
			return s[:i] + s[i+j:]
		}
		return s[:i]
	}
	return s
}

// HeaderAuth is a transport that sets one header on every request (API keys, bearer tokens).
type HeaderAuth struct {
	Base   http.RoundTripper
	Header string
	Value  string
	// Extra headers set on every request (e.g. Stripe-Account).
	Extra map[string]string
}

// RoundTrip sets the header on a clone of the request and sends it.
func (h *HeaderAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set(h.Header, h.Value)
	for k, v := range h.Extra {
		r2.Header.Set(k, v)
	}
	base := h.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}
