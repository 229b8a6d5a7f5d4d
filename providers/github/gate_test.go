package github_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/github"
	"github.com/sequinsync/sequin/providers/github/emulator"
)

// otherToken is a second token the emulators of these tests accept.
const otherToken = "ghp_anotherTokenOfTheSameAccount000000000"

// startEmulator starts an emulator for one test and returns a token session to it.
func startEmulator(t *testing.T, cfg emulator.Config) (*upstream, *providers.Session) {
	t.Helper()
	cfg.Tokens = []string{testToken, otherToken}
	srv := emulator.New(cfg)
	base, err := srv.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	u := &upstream{t: t, p: github.New(), srv: srv, url: base}
	return u, u.session(testToken)
}

func TestSpentBudgetHoldsRequests(t *testing.T) {
	t.Parallel()
	u, sess := startEmulator(t, emulator.Config{Seed: 5, RateLimit: 2, RateLimitWindow: time.Hour})
	srv := u.srv
	for _, path := range []string{"/orgs/acme", "/orgs/acme/members"} {
		_, err := sess.Client.Do(t.Context(), &providers.Request{Method: http.MethodGet, Path: path})
		require.NoError(t, err)
	}
	sent := srv.RequestCount()
	_, err := sess.Client.Do(t.Context(), &providers.Request{Method: http.MethodGet, Path: "/orgs/acme/repos"})
	require.True(t, providers.IsRateLimited(err), "got %v", err)
	wait, _ := providers.RetryAfter(err)
	require.Greater(t, wait, 50*time.Minute, "the wait runs to the window's reset")
	require.Equal(t, sent, srv.RequestCount(), "a request was sent although the budget was spent")

	// GET /rate_limit costs nothing and still answers, so checkpoints keep working.
	_, err = sess.Client.Do(t.Context(), &providers.Request{Method: http.MethodGet, Path: "/rate_limit"})
	require.NoError(t, err)
}

func TestSecondaryLimitHoldsRequests(t *testing.T) {
	t.Parallel()
	u, sess := startEmulator(t, emulator.Config{Seed: 5, SecondaryLimit: 1, Latency: 200 * time.Millisecond})
	srv := u.srv
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = sess.Client.Do(t.Context(), &providers.Request{Method: http.MethodGet, Path: "/orgs/acme/members"})
		})
	}
	wg.Wait()
	limited := 0
	for _, err := range errs {
		if err != nil {
			require.True(t, providers.IsRateLimited(err), "got %v", err)
			wait, _ := providers.RetryAfter(err)
			require.InDelta(t, time.Minute.Seconds(), wait.Seconds(), 1)
			limited++
		}
	}
	require.Equal(t, 1, limited, "one of two concurrent requests exceeds a secondary limit of one")
	sent := srv.RequestCount()
	_, err := sess.Client.Do(t.Context(), &providers.Request{Method: http.MethodGet, Path: "/orgs/acme/repos"})
	require.True(t, providers.IsRateLimited(err), "got %v", err)
	require.Equal(t, sent, srv.RequestCount(), "a request was sent during the pause GitHub asked for")

	// Another credential of the same provider is not held.
	_, err = u.session(otherToken).Client.Do(t.Context(), &providers.Request{Method: http.MethodGet, Path: "/orgs/acme/repos"})
	require.NoError(t, err)
}

func TestConditionalRequestsAreFree(t *testing.T) {
	t.Parallel()
	u, sess := startEmulator(t, emulator.Config{Seed: 120})
	srv := u.srv
	c := collection(t, "github:issues")
	first, err := backfillCount(t, c, sess)
	require.NoError(t, err)
	used := func() string {
		resp, err := sess.Client.Do(t.Context(), &providers.Request{Method: http.MethodGet, Path: "/rate_limit"})
		require.NoError(t, err)
		return resp.Header.Get("X-RateLimit-Used") + string(resp.Body)
	}
	before := used()
	srv.ResetRequests()
	again, err := backfillCount(t, c, sess)
	require.NoError(t, err)
	require.Equal(t, first, again)
	revalidated := 0
	for _, r := range srv.Requests() {
		if r.Path != "/rate_limit" {
			require.Equal(t, http.StatusNotModified, r.Status, "%s %s?%s", r.Method, r.Path, r.Query)
			revalidated++
		}
	}
	require.Positive(t, revalidated)
	require.Equal(t, before, used(), "answers of 304 Not Modified spent rate limit")
}
