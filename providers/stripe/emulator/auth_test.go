package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	_, c := startServer(t, Config{Seed: 2})

	c.key = ""
	res := c.get("/v1/customers", nil)
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, "invalid_request_error", res.errField("type"))
	require.True(t, strings.HasPrefix(res.errField("message"), "You did not provide an API key."))

	c.key = "sk_test_wrongwrongabcd"
	res = c.get("/v1/customers", nil)
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, "Invalid API Key provided: sk_test_**********abcd", res.errField("message"))
	require.NotContains(t, string(res.raw), "wrongwrong")

	c.key = testKey
	mustOK(t, c.get("/v1/customers", nil))

	// HTTP Basic with the key as the user name, as curl -u sk_...: sends it.
	req, err := http.NewRequest(http.MethodGet, c.base+"/v1/customers", nil)
	require.NoError(t, err)
	req.SetBasicAuth(testKey, "")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	req.SetBasicAuth("sk_test_nope", "")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestAnyWellFormedKeyWithoutConfiguredKeys(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 1})
	base, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	defer s.Close()
	c := &apiClient{t: t, base: base, hc: http.DefaultClient}
	for _, key := range []string{"sk_test_anything", "rk_live_xyz", "sk_x"} {
		c.key = key
		mustOK(t, c.get("/v1/customers", nil))
	}
	c.key = "pk_test_publishable"
	require.Equal(t, http.StatusUnauthorized, c.get("/v1/customers", nil).status)
}

func TestMaskKey(t *testing.T) {
	t.Parallel()
	require.Equal(t, "sk_test_****abcd", maskKey("sk_test_1234abcd"))
	require.Equal(t, "sk_live_***", maskKey("sk_live_abc"))
	require.Equal(t, "rk_****5678", maskKey("rk_12345678"))
	require.Equal(t, "*****6789", maskKey("123456789"))
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 1, RateLimit: 5, RateLimitWindow: time.Minute})
	statuses := []int{}
	var limited apiResult
	for i := 0; i < 8; i++ {
		res := c.get("/v1/customers", nil)
		statuses = append(statuses, res.status)
		if res.status == http.StatusTooManyRequests {
			limited = res
		}
	}
	require.Equal(t, []int{200, 200, 200, 200, 200, 429, 429, 429}, statuses)
	require.Equal(t, "rate_limit", limited.errField("code"))
	require.Equal(t, "invalid_request_error", limited.errField("type"))
	require.True(t, strings.HasPrefix(limited.errField("message"), "Too many requests hit the API too quickly."))
	ra, err := strconv.Atoi(limited.header.Get("Retry-After"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, ra, 1)

	recs := s.Requests()
	require.Len(t, recs, 8)
	for i, r := range recs {
		require.Equal(t, statuses[i], r.Status)
		require.Equal(t, "/v1/customers", r.Path)
		require.Equal(t, http.MethodGet, r.Method)
		if i > 0 {
			require.False(t, r.Time.Before(recs[i-1].Time))
		}
	}

	require.GreaterOrEqual(t, ra, 50, "the oldest admitted request leaves the one-minute window in about a minute")
	s.ResetRequests()
	require.Empty(t, s.Requests())
}

func TestRateLimitRecovers(t *testing.T) {
	t.Parallel()
	_, c := startServer(t, Config{RateLimit: 1, RateLimitWindow: time.Second})
	mustOK(t, c.get("/v1/customers", nil))
	res := c.get("/v1/customers", nil)
	require.Equal(t, http.StatusTooManyRequests, res.status)
	require.Equal(t, "1", res.header.Get("Retry-After"))
	// Once the window has passed, requests are admitted again; the 429 did not count.
	time.Sleep(1100 * time.Millisecond)
	mustOK(t, c.get("/v1/customers", nil))
}

func TestLatency(t *testing.T) {
	t.Parallel()
	_, c := startServer(t, Config{Latency: 60 * time.Millisecond})
	start := time.Now()
	mustOK(t, c.get("/v1/customers", url.Values{}))
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
}
