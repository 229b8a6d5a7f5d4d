package providers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func noSleep(context.Context, time.Duration) error { return nil }

func TestClientRetriesTransientErrors(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, sleep: noSleep}
	var out map[string]bool
	_, err := c.GetJSON(context.Background(), "/x", nil, nil, &out)
	require.NoError(t, err)
	require.True(t, out["ok"])
	require.Equal(t, int32(3), calls.Load())

	// Attempts are bounded.
	calls.Store(-100)
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/x"})
	require.True(t, IsRetryable(err))
	require.Equal(t, int32(-96), calls.Load(), "4 attempts by default")
}

func TestClientHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	var waits []time.Duration
	var mu sync.Mutex
	c := &Client{BaseURL: srv.URL, sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	}}
	_, err := c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/x"})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{2 * time.Second, 2 * time.Second}, waits)

	// A wait longer than MaxRateLimitWait is returned to the caller to reschedule.
	calls.Store(0)
	c.MaxRateLimitWait = time.Second
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/x"})
	d, ok := RetryAfter(err)
	require.True(t, ok)
	require.Equal(t, 2*time.Second, d)
}

func TestClientClassifiesAndDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/401":
			w.WriteHeader(http.StatusUnauthorized)
		case "/404":
			w.WriteHeader(http.StatusNotFound)
		case "/400":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`bad thing`))
		case "/bad-json":
			_, _ = w.Write([]byte(`{"data": [`))
		}
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, sleep: noSleep}
	ctx := context.Background()
	_, err := c.Do(ctx, &Request{Method: http.MethodGet, Path: "/401"})
	require.True(t, IsUnauthorized(err))
	_, err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "/404"})
	require.True(t, IsNotFound(err))
	_, err = c.Do(ctx, &Request{Method: http.MethodGet, Path: "/400"})
	require.True(t, IsInvalidRequest(err))
	require.Contains(t, err.Error(), "bad thing")
	require.Equal(t, int32(3), calls.Load(), "client errors are not retried")
	var v any
	_, err = c.GetJSON(ctx, "/bad-json", nil, nil, &v)
	require.True(t, IsMalformed(err), "%v", err)
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 3*time.Second, ParseRetryAfter("3", now))
	require.Equal(t, 1500*time.Millisecond, ParseRetryAfter("1.5", now))
	require.Equal(t, 10*time.Second, ParseRetryAfter(now.Add(10*time.Second).Format(http.TimeFormat), now))
	require.Zero(t, ParseRetryAfter("", now))
	require.Zero(t, ParseRetryAfter("soon", now))
	require.Zero(t, ParseRetryAfter("-4", now))
}

type memTokens struct {
	mu    sync.Mutex
	saved []map[string]any
}

func (m *memTokens) SaveCredentialProperties(_ context.Context, _ string, p map[string]any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = append(m.saved, p)
	return nil
}

func TestOAuth2RefreshesAndPersists(t *testing.T) {
	t.Parallel()
	var refreshes atomic.Int32
	revoked := atomic.Bool{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		if revoked.Load() || r.Form.Get("refresh_token") != "rt_1" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"refresh token revoked"}`))
			return
		}
		n := refreshes.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at_" + string(rune('0'+n)), "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt_1"})
	})
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"auth":"` + r.Header.Get("Authorization") + `"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := &oauth2.Config{ClientID: "c", ClientSecret: "s", Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/token", AuthStyle: oauth2.AuthStyleInParams}}
	store := &memTokens{}
	rt := OAuth2(context.Background(), cfg, Credential{ID: "cred-1", Properties: map[string]any{"refresh_token": "rt_1"}}, nil, store)
	c := &Client{BaseURL: srv.URL, HTTP: &http.Client{Transport: rt}, sleep: noSleep}
	var out map[string]string
	_, err := c.GetJSON(context.Background(), "/api", nil, nil, &out)
	require.NoError(t, err)
	require.Equal(t, "Bearer at_1", out["auth"])
	_, err = c.GetJSON(context.Background(), "/api", nil, nil, &out)
	require.NoError(t, err)
	require.Equal(t, int32(1), refreshes.Load(), "a valid token is reused")
	require.Len(t, store.saved, 1)
	require.Equal(t, "at_1", store.saved[0]["access_token"])

	// A revoked refresh token is a person's problem, not a retry.
	revoked.Store(true)
	rt = OAuth2(context.Background(), cfg, Credential{ID: "cred-1", Properties: map[string]any{"refresh_token": "rt_1"}}, nil, store)
	c = &Client{BaseURL: srv.URL, HTTP: &http.Client{Transport: rt}, sleep: noSleep}
	_, err = c.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/api"})
	require.True(t, IsUnauthorized(err), "%v", err)
	require.Contains(t, err.Error(), "refresh token revoked")
}

func TestHeaderAuthDoesNotMutateRequest(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"k":"` + r.Header.Get("X-Key") + `","a":"` + r.Header.Get("Stripe-Account") + `"}`))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, HTTP: &http.Client{Transport: &HeaderAuth{Header: "X-Key", Value: "v", Extra: map[string]string{"Stripe-Account": "acct_1"}}}}
	var out map[string]string
	_, err := c.GetJSON(context.Background(), "/", nil, nil, &out)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"k": "v", "a": "acct_1"}, out)
}

func TestValidateCatchesBadDeclarations(t *testing.T) {
	t.Parallel()
	bad := &declared{spec: Spec{Name: "x", CredentialKinds: []CredentialKind{{Kind: "k"}}, DefaultRateLimit: RateLimit{AllowedRequests: 1, IntervalMS: 1}},
		colls: []*Collection{{ID: "x:a", Name: "a", Backfill: func(context.Context, *Session, string) (*Page, error) { return nil, nil },
			Fields: []Field{{Name: "id", Type: "text"}}}}}
	require.ErrorContains(t, Validate(bad), `field "id"`)
	bad.colls[0].Fields = []Field{{Name: "n", Type: "varchar"}}
	require.ErrorContains(t, Validate(bad), "unsupported type")
	bad.colls[0].Fields = nil
	bad.colls[0].ID = "y:a"
	require.ErrorContains(t, Validate(bad), "must be")
	bad.colls[0].ID = "x:a"
	require.NoError(t, Validate(bad))
	_, err := NewRegistry(bad, bad)
	require.ErrorContains(t, err, "registered twice")
}

type declared struct {
	spec  Spec
	colls []*Collection
}

func (d *declared) Spec() Spec                 { return d.spec }
func (d *declared) Collections() []*Collection { return d.colls }
func (d *declared) Authenticate(context.Context, Credential, http.RoundTripper, TokenStore) (http.RoundTripper, error) {
	return nil, nil
}
func (d *declared) ClassifyError(status int, h http.Header, body []byte) *Error {
	return ClassifyStatus(status, h, "", string(body))
}
