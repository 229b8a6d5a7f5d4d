package consume

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d, ok := parseRetryAfter("120", now)
	require.True(t, ok)
	require.Equal(t, 2*time.Minute, d)
	d, ok = parseRetryAfter(now.Add(30*time.Second).Format(http.TimeFormat), now)
	require.True(t, ok)
	require.Equal(t, 30*time.Second, d)
	d, ok = parseRetryAfter(now.Add(-time.Hour).Format(http.TimeFormat), now)
	require.True(t, ok)
	require.Zero(t, d, "a date in the past means now")
	for _, bad := range []string{"", "soon", "-5", "1.5"} {
		_, ok := parseRetryAfter(bad, now)
		require.False(t, ok, bad)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://hooks.example.com/in?token=s3cret":         "https://hooks.example.com/in",
		"https://user:pass@hooks.example.com/in#frag":       "https://hooks.example.com/in",
		"http://127.0.0.1:8080/path/with@sign":              "http://127.0.0.1:8080/path/with@sign",
		"https://hooks.example.com":                         "https://hooks.example.com",
		"https://user@hooks.example.com:8443/x?y=1&token=z": "https://hooks.example.com:8443/x",
	} {
		require.Equal(t, want, redactURL(in), in)
	}
}

func TestWebhookBodyIsTheEventsUnderData(t *testing.T) {
	t.Parallel()
	body := webhookBody([]Message{{Body: json.RawMessage(`{"seq":1}`)}, {Body: json.RawMessage(`{"seq":2,"data":{"a":[1,2]}}`)}})
	var parsed struct {
		Data []map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &parsed))
	require.Len(t, parsed.Data, 2)
	require.Equal(t, float64(2), parsed.Data[1]["seq"])
}

// A webhook consumer keeps a connection per request in flight open between batches: the default
// transport keeps two per host, so four lanes would dial again for every other batch.
func TestWebhookConnectionsAreKept(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	dialed := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(5 * time.Millisecond) // the four requests of a round overlap
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			dialed++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	cfg, err := parseWebhookConfig(json.RawMessage(`{"url": "` + srv.URL + `", "max_in_flight": 4}`))
	require.NoError(t, err)
	s := newWebhookSink(cfg, http.DefaultTransport, "test")
	t.Cleanup(s.close)
	for range 10 {
		var wg sync.WaitGroup
		for lane := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs := s.deliver(t.Context(), []Message{{Seq: int64(lane), Body: []byte(`{}`)}})
				require.NoError(t, errs[0])
			}()
		}
		wg.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	require.LessOrEqual(t, dialed, 4, "connections dialed for 10 rounds of 4 requests")
}
