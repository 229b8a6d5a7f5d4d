package salesforce

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Salesforce counts every API request against the org's daily allocation (a rolling 24 hours,
// 15,000 for a developer org, 100,000 and more for paid editions) and reports the count on every
// answer: "Sforce-Limit-Info: api-usage=18/15000". Running out stops every integration of the org,
// not only sequin, so sequin stops short: once the reported use reaches the credential's
// api_usage_ceiling (percent, default 90), requests are refused locally as rate limited for
// usageHold; the engine reschedules the work, and the first request after the hold reads the
// count again.

const (
	// limitHeader carries the org's API use.
	limitHeader = "Sforce-Limit-Info"
	// defaultCeiling is the share of the daily allocation sequin may drive the org up to.
	defaultCeiling = 90
	// usageHold is how long requests wait once the ceiling is reached.
	usageHold = 15 * time.Minute
)

// APIUsage is the org's use of its daily API request allocation.
type APIUsage struct {
	Used, Max int64
}

// ParseLimitInfo reads the api-usage entry of a Sforce-Limit-Info header
// ("api-usage=18/15000, per-app-api-usage=17/250(appName=sample-app)").
func ParseLimitInfo(v string) (APIUsage, bool) {
	for part := range strings.SplitSeq(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || strings.TrimSpace(k) != "api-usage" {
			continue
		}
		u, m, ok := strings.Cut(strings.TrimSpace(val), "/")
		if !ok {
			return APIUsage{}, false
		}
		used, err1 := strconv.ParseInt(u, 10, 64)
		limit, err2 := strconv.ParseInt(m, 10, 64)
		if err1 != nil || err2 != nil || used < 0 || limit <= 0 {
			return APIUsage{}, false
		}
		return APIUsage{Used: used, Max: limit}, true
	}
	return APIUsage{}, false
}

// usageGuard follows the reported use and refuses requests while it is at or above the ceiling.
type usageGuard struct {
	// ceiling is the percentage of the allocation at which requests stop (0 or 100+: only when the
	// allocation is exhausted).
	ceiling int64

	mu    sync.Mutex
	last  APIUsage
	known bool
	hold  time.Time
}

// ceilingOf reads the credential's api_usage_ceiling (percent).
func ceilingOf(cred providers.Credential) (int64, error) {
	var n int64
	switch v := cred.Properties["api_usage_ceiling"].(type) {
	case nil:
		return defaultCeiling, nil
	case float64:
		n = int64(v)
		if float64(n) != v {
			n = -1
		}
	case int:
		n = int64(v)
	case int64:
		n = v
	case string:
		var err error
		if n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			n = -1
		}
	default:
		n = -1
	}
	if n < 1 || n > 100 {
		return 0, fmt.Errorf("salesforce: api_usage_ceiling must be a whole percentage from 1 to 100, not %v", cred.Properties["api_usage_ceiling"])
	}
	return n, nil
}

// observe records a reported use.
func (g *usageGuard) observe(h http.Header, now time.Time) {
	u, ok := ParseLimitInfo(h.Get(limitHeader))
	if !ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.last, g.known = u, true
	if u.Used*100 >= g.ceiling*u.Max {
		g.hold = now.Add(usageHold)
	} else {
		g.hold = time.Time{}
	}
}

// check refuses a request while the use is at or above the ceiling.
func (g *usageGuard) check(now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold.IsZero() || !now.Before(g.hold) {
		return nil
	}
	return &providers.Error{Kind: providers.ErrRateLimited, Code: "API_USAGE_CEILING", RetryAfter: g.hold.Sub(now),
		Message: fmt.Sprintf("the org has used %d of its %d daily API requests, at or above the %d%% ceiling set for sequin (api_usage_ceiling)",
			g.last.Used, g.last.Max, g.ceiling)}
}

// usage returns the last reported use.
func (g *usageGuard) usage() (APIUsage, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last, g.known
}

// Usage returns the org's API use last reported to a session, for status displays and logs.
func Usage(s *providers.Session) (APIUsage, bool) {
	if t := transportOf(s); t != nil {
		return t.guard.usage()
	}
	return APIUsage{}, false
}
