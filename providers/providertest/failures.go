package providertest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// testRateLimit expects a short Retry-After to be waited out and a long one to surface as a rate limit.
func (s *suite) testRateLimit(t *testing.T) {
	t.Parallel()
	c := s.first()
	t.Run("honoured", func(t *testing.T) {
		t.Parallel()
		sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 3})
		u.Fail(Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second, Count: 2})
		start := time.Now()
		p, err := c.Backfill(t.Context(), sess, "")
		if err != nil {
			t.Fatalf("Backfill after two 429s: %v", err)
		}
		if len(p.Records) == 0 {
			t.Error("Backfill after two 429s returned nothing")
		}
		if d := time.Since(start); d < 1900*time.Millisecond {
			t.Errorf("Backfill took %s; two Retry-After: 1 should take about 2s", d)
		}
	})
	t.Run("too_long", func(t *testing.T) {
		t.Parallel()
		sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 3})
		sess = newSession(sess)
		sess.Client.MaxRateLimitWait = 100 * time.Millisecond
		u.Fail(Fault{Status: http.StatusTooManyRequests, RetryAfter: 5 * time.Second, Count: 1})
		start := time.Now()
		_, err := c.Backfill(t.Context(), sess, "")
		if !providers.IsRateLimited(err) {
			t.Fatalf("Backfill with Retry-After above the client's limit: %v, want a rate-limit error", err)
		}
		if d, _ := providers.RetryAfter(err); d < 4*time.Second || d > 6*time.Second {
			t.Errorf("RetryAfter = %s, want about 5s", d)
		}
		if time.Since(start) > 2*time.Second {
			t.Error("the client waited although Retry-After exceeded MaxRateLimitWait")
		}
	})
	t.Run("emulated_limit", func(t *testing.T) {
		t.Parallel()
		sess, u := s.NewUpstream(t, UpstreamOptions{Seed: s.BackfillSeed, RateLimit: 2, RateLimitWindow: 500 * time.Millisecond})
		recs, _ := backfillAll(t, c, sess, "")
		checkRecords(t, c, u, recs)
	})
}

// testServerError expects a 500 to be retried.
func (s *suite) testServerError(t *testing.T) {
	t.Parallel()
	c := s.first()
	sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 3})
	n := u.Requests()
	u.Fail(Fault{Status: http.StatusInternalServerError, Count: 1})
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil {
		t.Fatalf("Backfill after one 500: %v", err)
	}
	if got := u.Requests() - n; got < 2 {
		t.Errorf("upstream received %d requests, want the failed one and its retry", got)
	}
	u.Fail(Fault{Status: http.StatusBadGateway, Count: 100})
	_, err := c.Backfill(t.Context(), sess, "")
	if !providers.IsRetryable(err) {
		t.Errorf("Backfill while upstream keeps failing: %v, want a retryable error", err)
	}
}

// testUnauthorized expects a refused credential to be classified as such, with the API's message and
// without the secret.
func (s *suite) testUnauthorized(t *testing.T) {
	t.Parallel()
	c := s.first()
	good, u := s.NewUpstream(t, UpstreamOptions{Seed: 3})
	bad := u.RefusedSession()
	_, err := c.Backfill(t.Context(), bad, "")
	if !providers.IsUnauthorized(err) {
		t.Fatalf("Backfill with a refused credential: %v, want an unauthorized error", err)
	}
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Message == "" || pe.Message == http.StatusText(pe.Status) {
		t.Errorf("error %v does not carry the API's message", err)
	}
	for _, secret := range append(s.secrets(bad), s.secrets(good)...) {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains a secret", err)
		}
	}
	if providers.IsRetryable(err) {
		t.Error("an unauthorized error must not be retryable")
	}
}

// testMalformed expects a truncated successful answer to be classified as malformed.
func (s *suite) testMalformed(t *testing.T) {
	t.Parallel()
	c := s.first()
	sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 3})
	u.Fail(Fault{Status: http.StatusOK, Body: []byte(`{"object":"list","data":[{"id":"x`), Count: 1})
	_, err := c.Backfill(t.Context(), sess, "")
	if !providers.IsMalformed(err) {
		t.Fatalf("Backfill of a truncated answer: %v, want a malformed error", err)
	}
	u.Fail(Fault{Status: http.StatusOK, Body: []byte(`<html>maintenance</html>`), Count: 1})
	if _, err := c.Backfill(t.Context(), sess, ""); !providers.IsMalformed(err) {
		t.Fatalf("Backfill of an HTML answer: %v, want a malformed error", err)
	}
}
