package emulator

import (
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestIdempotentReplayAndMismatch(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(fixedNow.Unix())
	s, c := startServer(t, Config{Now: func() time.Time { return time.Unix(now.Load(), 0) }})
	key := map[string]string{"Idempotency-Key": "abc-123"}
	form := url.Values{"email": {"once@example.com"}, "metadata[a]": {"1"}}

	first := c.do(http.MethodPost, "/v1/customers", form, key)
	mustOK(t, first)
	require.Empty(t, first.header.Get("Idempotent-Replayed"))
	require.Equal(t, "abc-123", first.header.Get("Idempotency-Key"))

	// Same parameters (in another order): the saved response, nothing new created.
	again := c.do(http.MethodPost, "/v1/customers", url.Values{"metadata[a]": {"1"}, "email": {"once@example.com"}}, key)
	require.Equal(t, http.StatusOK, again.status)
	require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	require.Equal(t, first.raw, again.raw)
	require.Equal(t, first.header.Get("Request-Id"), again.header.Get("Original-Request"))
	require.NotEqual(t, first.header.Get("Request-Id"), again.header.Get("Request-Id"))
	require.Equal(t, 1, s.Count("customer"))
	require.Equal(t, 1, s.Count("event"))

	// Different parameters with the same key.
	other := c.do(http.MethodPost, "/v1/customers", url.Values{"email": {"other@example.com"}}, key)
	require.Equal(t, http.StatusBadRequest, other.status)
	require.Equal(t, "idempotency_error", other.errField("type"))
	require.Contains(t, other.errField("message"), "Keys for idempotent requests can only be used with the same parameters they were first used with")
	// The same key on another endpoint is a mismatch too.
	require.Equal(t, http.StatusBadRequest, c.do(http.MethodPost, "/v1/products", url.Values{"name": {"x"}}, key).status)

	// Keys are per account.
	c.account = "acct_other"
	mustOK(t, c.do(http.MethodPost, "/v1/customers", url.Values{"email": {"other@example.com"}}, key))
	c.account = ""

	// Validation failures are not saved: the key can be used again.
	bad := map[string]string{"Idempotency-Key": "bad-1"}
	require.Equal(t, http.StatusBadRequest, c.do(http.MethodPost, "/v1/customers", url.Values{"nope": {"1"}}, bad).status)
	mustOK(t, c.do(http.MethodPost, "/v1/customers", url.Values{"email": {"b@example.com"}}, bad))
	require.Equal(t, 2, s.Count("customer"))

	// Keys expire after 24 hours.
	now.Add(int64(25 * time.Hour / time.Second))
	fresh := c.do(http.MethodPost, "/v1/customers", url.Values{"email": {"other@example.com"}}, key)
	mustOK(t, fresh)
	require.Empty(t, fresh.header.Get("Idempotent-Replayed"))
	require.Equal(t, 3, s.Count("customer"))

	// Requests without a key are never deduplicated.
	mustOK(t, c.post("/v1/customers", form))
	mustOK(t, c.post("/v1/customers", form))
	require.Equal(t, 5, s.Count("customer"))
}

func TestIdempotencyKeyInUse(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{})
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/v1/customers", AfterApply: true, Delay: 300 * time.Millisecond})
	key := map[string]string{"Idempotency-Key": "slow"}
	done := make(chan apiResult)
	go func() { done <- c.do(http.MethodPost, "/v1/customers", url.Values{"email": {"s@example.com"}}, key) }()
	require.Eventually(t, func() bool { return s.Count("customer") == 1 }, 5*time.Second, 5*time.Millisecond)
	// The first request has executed but not yet answered: its result is saved, so this replays.
	res := c.do(http.MethodPost, "/v1/customers", url.Values{"email": {"s@example.com"}}, key)
	mustOK(t, res)
	require.Equal(t, "true", res.header.Get("Idempotent-Replayed"))
	mustOK(t, <-done)
	require.Equal(t, 1, s.Count("customer"))

	// A key reserved by a request that has not finished executing answers 409.
	a := s.account("")
	s.mu.Lock()
	_, err := a.idemBegin("busy", "/v1/customers\n{}", "req_x", s.now())
	s.mu.Unlock()
	require.NoError(t, err)
	res = c.do(http.MethodPost, "/v1/customers", url.Values{}, map[string]string{"Idempotency-Key": "busy"})
	require.Equal(t, http.StatusConflict, res.status)
	require.Equal(t, "idempotency_key_in_use", res.errField("code"))
}
