package emulator

import (
	"net/http"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConnectedAccountsAreIsolated(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 4})
	platform := s.List("customer")[0]["id"].(string)

	c.account = "acct_1"
	res := c.get("/v1/customers", nil)
	require.Empty(t, res.data(), "a connected account starts empty")
	require.Equal(t, http.StatusNotFound, c.get("/v1/customers/"+platform, nil).status)
	mine := mustOK(t, c.post("/v1/customers", url.Values{"email": {"connected@example.com"}}))["id"].(string)
	require.Len(t, c.get("/v1/customers", nil).data(), 1)
	ev := c.get("/v1/events", nil).data()
	require.Len(t, ev, 1)
	require.Equal(t, "acct_1", ev[0]["account"])

	c.account = "acct_2"
	require.Empty(t, c.get("/v1/customers", nil).data())
	require.Empty(t, c.get("/v1/events", nil).data())

	c.account = ""
	require.Equal(t, http.StatusNotFound, c.get("/v1/customers/"+mine, nil).status)
	require.Equal(t, 4, s.Count("customer"))
	require.Len(t, c.walk("/v1/customers", nil, 100), 4)
	require.NotContains(t, c.get("/v1/events", url.Values{"limit": {"1"}}).data()[0], "account")
}

func TestDirectAPI(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 2, Now: func() time.Time { return fixedNow }})

	_, err := s.Create("widget", nil)
	require.Error(t, err)
	_, err = s.Create("customer", map[string]any{"unknown": 1})
	require.ErrorContains(t, err, "Received unknown parameter: unknown")

	cus, err := s.Create("customer", map[string]any{"email": "direct@example.com", "balance": 250,
		"metadata": map[string]string{"a": "1"}, "address": map[string]any{"city": "Oslo"}, "preferred_locales": []string{"nb"}})
	require.NoError(t, err)
	id := cus["id"].(string)
	require.Equal(t, float64(250), cus["balance"])
	require.Equal(t, "Oslo", cus["address"].(map[string]any)["city"])
	require.Equal(t, mustOK(t, c.get("/v1/customers/"+id, nil)), cus, "the direct API and HTTP agree")

	upd, err := s.Update("customer", id, map[string]any{"metadata": map[string]any{"a": nil, "b": "2"}, "phone": "+4712345678"})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"b": "2"}, upd["metadata"])
	_, err = s.Update("customer", "cus_nope", map[string]any{"name": "x"})
	require.ErrorContains(t, err, "No such customer: 'cus_nope'")

	got, ok := s.Get("customer", id)
	require.True(t, ok)
	require.Equal(t, upd, got)
	require.Equal(t, 3, s.Count("customer"))
	require.Equal(t, id, s.List("customer")[0]["id"], "newest first")

	sum := s.Summary()
	require.Equal(t, s.URL(), sum["url"])
	require.Equal(t, 3, sum["collections"].(map[string]any)["customer"])
	require.Equal(t, 2, sum["collections"].(map[string]any)["invoice"])
	require.Equal(t, s.Count("event"), sum["events"])
	require.Len(t, sum["collections"], 12)

	require.NoError(t, s.Delete("customer", id))
	got, ok = s.Get("customer", id)
	require.True(t, ok)
	require.Equal(t, map[string]any{"id": id, "object": "customer", "deleted": true}, got)
	require.Equal(t, 2, s.Count("customer"))
	require.Error(t, s.Delete("customer", id))

	// Types the HTTP API cannot create can be created directly.
	txn, err := s.Create("balance_transaction", map[string]any{"amount": 1000, "fee": 59, "currency": "usd", "type": "adjustment"})
	require.NoError(t, err)
	require.Equal(t, float64(941), txn["net"])
	_, ok = s.Get("balance_transaction", txn["id"].(string))
	require.True(t, ok)

	prod, err := s.Create("product", map[string]any{"name": "Gone"})
	require.NoError(t, err)
	require.NoError(t, s.Delete("product", prod["id"].(string)))
	_, ok = s.Get("product", prod["id"].(string))
	require.False(t, ok)
}

func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Config{Seed: 50})
	done := make(chan struct{})
	for w := 0; w < 8; w++ {
		go func(w int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 20; i++ {
				if w%2 == 0 {
					_, err := s.Create("customer", map[string]any{"email": "c@example.com"})
					if err != nil {
						t.Error(err)
					}
				} else {
					res := c.get("/v1/customers", url.Values{"limit": {"100"}})
					if res.status != 200 {
						t.Errorf("status %d", res.status)
					}
				}
			}
		}(w)
	}
	for w := 0; w < 8; w++ {
		<-done
	}
	require.Equal(t, 50+4*20, s.Count("customer"))
	require.Len(t, c.walk("/v1/customers", nil, 100), 130)
}

func TestNoGoroutinesLeftAfterClose(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		s := New(Config{Seed: 3, WebhookURL: "http://127.0.0.1:1/unreachable", WebhookSecret: "whsec_x"})
		_, err := s.Start("127.0.0.1:0")
		require.NoError(t, err)
		_, err = s.Create("customer", map[string]any{"email": "leak@example.com"})
		require.NoError(t, err)
		c := &apiClient{t: t, base: s.URL(), key: "sk_test_x", hc: &http.Client{}}
		mustOK(t, c.get("/v1/customers", nil))
		c.hc.CloseIdleConnections()
		require.NoError(t, s.Close())
	}
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= before+1 }, 5*time.Second, 20*time.Millisecond,
		"goroutines: %d before, %d after", before, runtime.NumGoroutine())
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	_, err := s.Start("127.0.0.1:0")
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Start("127.0.0.1:0")
	require.Error(t, err)
	_, err = New(Config{}).Start("256.0.0.1:bad")
	require.Error(t, err)

	// An unspecified host is reported as 127.0.0.1.
	s2 := New(Config{})
	base, err := s2.Start("0.0.0.0:0")
	require.NoError(t, err)
	defer s2.Close()
	require.Contains(t, base, "http://127.0.0.1:")
}
