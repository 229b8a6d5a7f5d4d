package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFaultsStatusesAndBodies(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 3})

	s.InjectFault(Fault{Method: "GET", PathPrefix: "/v1/customers", Status: 500, Count: 2})
	for i := 0; i < 2; i++ {
		res := c.get("/v1/customers", nil)
		require.Equal(t, 500, res.status)
		require.Equal(t, "api_error", res.errField("type"))
	}
	mustOK(t, c.get("/v1/customers", nil))

	// Only matching requests consume the fault.
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/v1/customers", Status: 502})
	mustOK(t, c.get("/v1/customers", nil))
	mustOK(t, c.get("/v1/products", nil))
	require.Equal(t, 502, c.post("/v1/customers", url.Values{"email": {"x@example.com"}}).status)
	require.Equal(t, 3, s.Count("customer"), "a fault before applying changes nothing")

	// Raw bodies, e.g. truncated JSON with a 200.
	s.InjectFault(Fault{PathPrefix: "/v1/events", Status: 200, Body: `{"object":"list","data":[{"id":`})
	res := c.get("/v1/events", nil)
	require.Equal(t, 200, res.status)
	require.Equal(t, `{"object":"list","data":[{"id":`, string(res.raw))
	require.Error(t, json.Unmarshal(res.raw, new(any)))

	// 429 with Retry-After, and 401.
	s.InjectFault(Fault{Status: 429, RetryAfter: 7})
	res = c.get("/v1/customers", nil)
	require.Equal(t, 429, res.status)
	require.Equal(t, "7", res.header.Get("Retry-After"))
	require.Equal(t, "rate_limit", res.errField("code"))
	s.InjectFault(Fault{Status: 429})
	require.Equal(t, "1", c.get("/v1/customers", nil).header.Get("Retry-After"))
	s.InjectFault(Fault{Status: 401})
	res = c.get("/v1/customers", nil)
	require.Equal(t, 401, res.status)
	require.Contains(t, res.errField("message"), "Invalid API Key provided")

	// Faults are recorded like any request.
	recs := s.Requests()
	require.Equal(t, 401, recs[len(recs)-1].Status)
}

func TestFaultAfterApplyWithIdempotencyKey(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{})
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/v1/customers", Status: 502, AfterApply: true})
	key := map[string]string{"Idempotency-Key": "lost-response"}
	form := url.Values{"email": {"lost@example.com"}}

	res := c.do(http.MethodPost, "/v1/customers", form, key)
	require.Equal(t, 502, res.status)
	require.Equal(t, 1, s.Count("customer"), "the change happened although the response was lost")
	created := s.List("customer")[0]

	retry := c.do(http.MethodPost, "/v1/customers", form, key)
	require.Equal(t, 200, retry.status)
	require.Equal(t, "true", retry.header.Get("Idempotent-Replayed"))
	require.Equal(t, created["id"], retry.body["id"])
	require.Equal(t, 1, s.Count("customer"), "the retry did not create a second customer")

	// Without a key, the retry creates a duplicate, as with the real API.
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/v1/customers", Status: 500, AfterApply: true})
	require.Equal(t, 500, c.post("/v1/customers", form).status)
	mustOK(t, c.post("/v1/customers", form))
	require.Equal(t, 3, s.Count("customer"))
}

func TestFaultDelays(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 1})

	// A delay alone answers normally, late.
	s.InjectFault(Fault{PathPrefix: "/v1/customers", Delay: 80 * time.Millisecond})
	start := time.Now()
	mustOK(t, c.get("/v1/customers", nil))
	require.GreaterOrEqual(t, time.Since(start), 80*time.Millisecond)

	// A delay longer than the client's timeout is a timeout.
	s.InjectFault(Fault{PathPrefix: "/v1/customers", Delay: 5 * time.Second, Status: 500})
	req, err := http.NewRequest(http.MethodGet, c.base+"/v1/customers", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey)
	_, err = (&http.Client{Timeout: 500 * time.Millisecond}).Do(req)
	require.Error(t, err)
	mustOK(t, c.get("/v1/customers", nil))

	// A delayed AfterApply fault applies the change before stalling.
	s.InjectFault(Fault{Method: "POST", Delay: 5 * time.Second, AfterApply: true, Status: 504})
	req, err = http.NewRequest(http.MethodPost, c.base+"/v1/customers", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey)
	_, err = (&http.Client{Timeout: 500 * time.Millisecond}).Do(req)
	require.Error(t, err)
	require.Eventually(t, func() bool { return s.Count("customer") == 2 }, 5*time.Second, 5*time.Millisecond)
}

func TestCloseInterruptsDelays(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	base, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	s.InjectFault(Fault{Delay: time.Minute, Status: 500})
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/customers", nil)
		req.Header.Set("Authorization", "Bearer sk_test_x")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return s.faults.Len() == 0 }, 5*time.Second, 5*time.Millisecond)
	start := time.Now()
	require.NoError(t, s.Close())
	require.Less(t, time.Since(start), 5*time.Second)
	<-done
	require.NoError(t, s.Close(), "Close is idempotent")
}
