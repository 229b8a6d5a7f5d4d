package github

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// GitHub asks clients to stop sending while a limit holds: requests made while rate limited count
// against the credential and may get the integration banned. The gate remembers, per credential and
// API root, until when GitHub will refuse requests (the primary budget is spent until
// X-RateLimit-Reset, or a secondary limit asked for a pause) and refuses requests locally until then,
// with a rate-limit error naming the wait. The state is shared by every sync of the process using the
// credential, as GitHub's limits are.

// maxGateWait bounds a pause read from headers, so that a garbled reset cannot stop a sync for good.
const maxGateWait = time.Hour + 5*time.Minute

// maxClockSkew is how far our clock may be from GitHub's before waits are measured on GitHub's clock
// (its Date header, which has one-second resolution) instead of ours.
const maxClockSkew = 2 * time.Second

// gate holds the pauses of every credential of the process.
type gate struct {
	mu    sync.Mutex
	until map[string]pause
	now   func() time.Time
}

// pause is a time before which no request should be sent, and why.
type pause struct {
	until  time.Time
	reason string
}

func newGate() *gate { return &gate{until: map[string]pause{}, now: time.Now} }

// blocked returns how long requests under key must still wait, and why.
func (g *gate) blocked(key string) (time.Duration, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.until[key]
	if !ok {
		return 0, ""
	}
	wait := p.until.Sub(g.now())
	if wait <= 0 {
		delete(g.until, key)
		return 0, ""
	}
	return wait, p.reason
}

// hold pauses key for d, unless a longer pause is already in place.
func (g *gate) hold(key string, d time.Duration, reason string) {
	if d <= 0 {
		return
	}
	d = min(d, maxGateWait)
	g.mu.Lock()
	defer g.mu.Unlock()
	until := g.now().Add(d)
	if p, ok := g.until[key]; ok && !p.until.Before(until) {
		return
	}
	g.until[key] = pause{until: until, reason: reason}
}

// serverNow is the time GitHub answered, for measuring waits against its reset times: our clock, unless
// the Date header shows it is off by more than maxClockSkew.
func serverNow(header http.Header, local time.Time) time.Time {
	if d := header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(local).Abs() > maxClockSkew {
			return t
		}
	}
	return local
}

// observe reads a response's rate-limit state: a refusal for a rate limit (primary or secondary)
// pauses for the wait GitHub asks for, and a spent primary budget pauses until its reset.
func (g *gate) observe(key string, resp *http.Response) {
	local := g.now()
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests {
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		rest := resp.Body
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), rest), rest}
		if err != nil {
			return
		}
		if e := classify(resp.StatusCode, resp.Header, body, local); e.Kind == providers.ErrRateLimited {
			g.hold(key, e.RetryAfter, e.Message)
		}
		return
	}
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	if res := resp.Header.Get("X-RateLimit-Resource"); res != "" && res != "core" {
		return // search or GraphQL budgets are not the ones the collections spend
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return
	}
	wait := time.Unix(reset, 0).Sub(serverNow(resp.Header, local))
	g.hold(key, max(wait, time.Second), "the primary rate limit is spent until "+time.Unix(reset, 0).UTC().Format(time.RFC3339))
}

// gateTransport refuses requests locally while their credential is paused.
type gateTransport struct {
	base  http.RoundTripper
	gate  *gate
	scope string
}

// RoundTrip sends r unless GitHub asked for a pause; GET /rate_limit, which costs nothing and
// answers while limited, always goes through.
func (t *gateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	key := t.scope + " " + apiRoot(r.URL)
	if !strings.HasSuffix(r.URL.Path, "/rate_limit") {
		if wait, why := t.gate.blocked(key); wait > 0 {
			return nil, &providers.Error{Kind: providers.ErrRateLimited, Code: "rate_limited", RetryAfter: wait,
				Message: "github: not sending while rate limited (" + why + ")"}
		}
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	t.gate.observe(key, resp)
	return resp, nil
}
