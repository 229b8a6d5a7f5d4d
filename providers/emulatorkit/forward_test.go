package emulatorkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A delivery before the target is known gets 503 (the emulator retries it); after, it reaches the
// target with its headers, and the target's answer comes back.
func TestForwarderRelaysOnceTargeted(t *testing.T) {
	var got struct{ sig, body string }
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.sig, got.body = r.Header.Get("Stripe-Signature"), string(b)
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("thanks"))
	}))
	defer receiver.Close()
	var fwd Forwarder
	srv := httptest.NewServer(&fwd)
	defer srv.Close()
	deliver := func() (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"id":"evt_1"}`))
		require.NoError(t, err)
		req.Header.Set("Stripe-Signature", "t=1,v1=abc")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, _ := deliver()
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Empty(t, got.body)

	fwd.SetTarget(receiver.URL)
	status, body := deliver()
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, "thanks", body)
	require.Equal(t, "t=1,v1=abc", got.sig)
	require.Equal(t, `{"id":"evt_1"}`, got.body)
}
