package consume

import (
	"encoding/json"
	"net/http"
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
