package salesforce

import (
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
)

func TestParseLimitInfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want APIUsage
		ok   bool
	}{
		{"api-usage=18/15000", APIUsage{18, 15000}, true},
		{"api-usage=25/5000, per-app-api-usage=17/250(appName=sample-connected-app)", APIUsage{25, 5000}, true},
		{"per-app-api-usage=17/250(appName=x), api-usage=3/100", APIUsage{3, 100}, true},
		{"", APIUsage{}, false},
		{"api-usage=18", APIUsage{}, false},
		{"api-usage=x/100", APIUsage{}, false},
		{"api-usage=1/0", APIUsage{}, false},
		{"api-usage=-1/10", APIUsage{}, false},
		{"per-app-api-usage=1/10", APIUsage{}, false},
	} {
		got, ok := ParseLimitInfo(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseLimitInfo(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseLimitInfo(f *testing.F) {
	for _, s := range []string{"api-usage=18/15000", "api-usage=1/2, per-app-api-usage=1/2(appName=a)", "", "api-usage=/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, ok := ParseLimitInfo(s); ok && (u.Used < 0 || u.Max <= 0) {
			t.Fatalf("ParseLimitInfo(%q) accepted %+v", s, u)
		}
	})
}

func TestCeilingOf(t *testing.T) {
	t.Parallel()
	for v, want := range map[any]int64{nil: 90, 75.0: 75, "95": 95, 100: 100} {
		got, err := ceilingOf(providers.Credential{Properties: map[string]any{"api_usage_ceiling": v}})
		if err != nil || got != want {
			t.Errorf("ceilingOf(%v) = %d, %v; want %d", v, got, err, want)
		}
	}
	for _, v := range []any{0.0, 101.0, 50.5, "lots", true} {
		if _, err := ceilingOf(providers.Credential{Properties: map[string]any{"api_usage_ceiling": v}}); err == nil {
			t.Errorf("ceilingOf(%v) accepted", v)
		}
	}
}

func TestUsageGuard(t *testing.T) {
	t.Parallel()
	g := &usageGuard{ceiling: 90}
	now := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	g.observe(http.Header{limitHeader: {"api-usage=899/1000"}}, now)
	if err := g.check(now); err != nil {
		t.Fatalf("below the ceiling: %v", err)
	}
	g.observe(http.Header{limitHeader: {"api-usage=900/1000"}}, now)
	err := g.check(now.Add(time.Minute))
	if !providers.IsRateLimited(err) {
		t.Fatalf("at the ceiling: %v, want a rate limit", err)
	}
	if d, _ := providers.RetryAfter(err); d != usageHold-time.Minute {
		t.Errorf("RetryAfter %s, want %s", d, usageHold-time.Minute)
	}
	if err := g.check(now.Add(usageHold)); err != nil {
		t.Errorf("after the hold: %v", err)
	}
	g.observe(http.Header{limitHeader: {"api-usage=10/1000"}}, now)
	if err := g.check(now); err != nil {
		t.Errorf("after use dropped: %v", err)
	}
	if u, ok := g.usage(); !ok || u != (APIUsage{10, 1000}) {
		t.Errorf("usage %+v %v", u, ok)
	}
}

// TestUsageCeiling runs against the emulator: once the org reports use at the ceiling, requests stop
// locally, and the refusal says why.
func TestUsageCeiling(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 3})
	u := up.(*upstream)
	c := New().Collections()[0]
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil {
		t.Fatal(err)
	}
	if got, ok := Usage(sess); !ok || got.Max != 15000 || got.Used == 0 {
		t.Fatalf("Usage = %+v, %v", got, ok)
	}
	u.srv.SetAPIUsage(13600) // the next answer reports 13601/15000, above 90%
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil {
		t.Fatalf("the request that learns of the use: %v", err)
	}
	sent := u.Requests()
	_, err := c.Backfill(t.Context(), sess, "")
	if !providers.IsRateLimited(err) || errorCode(err) != "API_USAGE_CEILING" {
		t.Fatalf("at the ceiling: %v, want a local rate limit", err)
	}
	if u.Requests() != sent {
		t.Error("a request was sent although the org is at the ceiling")
	}
}
