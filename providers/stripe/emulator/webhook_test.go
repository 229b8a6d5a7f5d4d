package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// receiver is a webhook endpoint that verifies signatures like Stripe's libraries do.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	events []map[string]any
	fail   int // answer 500 to this many deliveries first
	bad    int // deliveries with a bad signature
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !verify(rc.secret, r.Header.Get("Stripe-Signature"), body, 5*time.Minute) {
		rc.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if rc.fail > 0 {
		rc.fail--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.events = append(rc.events, ev)
}

func (rc *receiver) received() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.events...)
}

// verify checks a Stripe-Signature header independently of Sign.
func verify(secret, header string, payload []byte, tolerance time.Duration) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > tolerance {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(payload)))
	want := hex.EncodeToString(mac.Sum(nil))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

func TestSign(t *testing.T) {
	t.Parallel()
	at := time.Unix(1700000000, 0)
	sig := Sign("whsec_test", at, []byte(`{"id":"evt_1"}`))
	require.True(t, strings.HasPrefix(sig, "t=1700000000,v1="))
	mac := hmac.New(sha256.New, []byte("whsec_test"))
	mac.Write([]byte(`1700000000.{"id":"evt_1"}`))
	require.Equal(t, "t=1700000000,v1="+hex.EncodeToString(mac.Sum(nil)), sig)
}

func TestWebhooksAreSignedAndOrdered(t *testing.T) {
	t.Parallel()
	rc := &receiver{t: t, secret: "whsec_abc123", fail: 1}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	s, c := startServer(t, Config{Seed: 5, WebhookURL: hook.URL, WebhookSecret: rc.secret})
	s.hooks.retryDelays = []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}

	var want []string
	for i := 0; i < 5; i++ {
		o, err := s.Create("customer", map[string]any{"email": "hook" + strconv.Itoa(i) + "@example.com"})
		require.NoError(t, err)
		want = append(want, o["id"].(string))
	}
	res := c.post("/v1/customers/"+want[0], map[string][]string{"name": {"Hooked"}})
	mustOK(t, res)

	require.Eventually(t, func() bool { return len(rc.received()) == 6 }, 10*time.Second, 10*time.Millisecond)
	got := rc.received()
	for i := 0; i < 5; i++ {
		require.Equal(t, "customer.created", got[i]["type"])
		require.Equal(t, want[i], got[i]["data"].(map[string]any)["object"].(map[string]any)["id"], "in event order, the first after a retry")
		require.Equal(t, float64(1), got[i]["pending_webhooks"])
	}
	require.Equal(t, "customer.updated", got[5]["type"])
	require.Equal(t, res.header.Get("Request-Id"), got[5]["request"].(map[string]any)["id"])
	require.Zero(t, rc.bad)

	// Delivered events no longer count as pending; seeded events were never sent.
	evID := got[5]["id"].(string)
	require.Eventually(t, func() bool {
		ev, _ := s.Get("event", evID)
		return ev["pending_webhooks"] == float64(0)
	}, 5*time.Second, 10*time.Millisecond)
	require.Len(t, got, 6)
}

func TestWebhookWithWrongSecretIsRejectedByTheReceiver(t *testing.T) {
	t.Parallel()
	rc := &receiver{t: t, secret: "whsec_right"}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	s, _ := startServer(t, Config{WebhookURL: hook.URL, WebhookSecret: "whsec_wrong"})
	s.hooks.retryDelays = nil
	_, err := s.Create("product", map[string]any{"name": "P"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.bad == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.Empty(t, rc.received())
}
