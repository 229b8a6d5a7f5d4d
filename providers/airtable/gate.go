package airtable

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Airtable answers a base that exceeds five requests a second with 429s for 30 seconds, and requests
// sent meanwhile gain nothing. The gate remembers, per API host and base (per credential for requests
// outside a base), until when Airtable asked for a pause, and refuses requests locally until then with
// a rate-limit error naming the wait. The state is shared by every sync of the process: the limit is
// the base's, whichever credential reaches it.

// penalty is how long Airtable refuses a base's requests after a 429 that names no wait.
const penalty = 30 * time.Second

// gate holds the pauses of every base of the process.
type gate struct {
	mu    sync.Mutex
	until map[string]time.Time
	now   func() time.Time
}

func newGate() *gate { return &gate{until: map[string]time.Time{}, now: time.Now} }

// blocked returns how long requests under key must still wait.
func (g *gate) blocked(key string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.until[key]
	if !ok {
		return 0
	}
	wait := until.Sub(g.now())
	if wait <= 0 {
		delete(g.until, key)
		return 0
	}
	return wait
}

// hold pauses key for d, unless a longer pause is already in place.
func (g *gate) hold(key string, d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	until := g.now().Add(d)
	if cur, ok := g.until[key]; !ok || until.After(cur) {
		g.until[key] = until
	}
}

// gateKey is the rate-limit scope of a request: its host and base, or its credential.
func gateKey(u *url.URL, scope string) string {
	if b := baseInPath(u.Path); b != "" {
		return u.Host + " " + b
	}
	return u.Host + " token " + scope
}

// baseInPath finds the base id (app...) a request path addresses.
func baseInPath(path string) string {
	for _, seg := range strings.Split(path, "/") {
		if len(seg) == 17 && strings.HasPrefix(seg, "app") {
			return seg
		}
	}
	return ""
}

// gateTransport refuses requests locally while their base is paused.
type gateTransport struct {
	base  http.RoundTripper
	gate  *gate
	scope string
}

// RoundTrip sends r unless its base is paused, and pauses the base when Airtable answers 429.
func (t *gateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	key := gateKey(r.URL, t.scope)
	if wait := t.gate.blocked(key); wait > 0 {
		return nil, &providers.Error{Kind: providers.ErrRateLimited, Code: "RATE_LIMIT_REACHED", RetryAfter: wait,
			Message: "airtable: not sending while the base's rate limit penalty runs"}
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		t.gate.hold(key, rateLimitWait(resp.Header, t.gate.now()))
	}
	return resp, nil
}
