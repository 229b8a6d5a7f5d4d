package salesforce

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
)

// tokenRequests counts the emulator's token endpoint calls.
func tokenRequests(u *upstream) int {
	n := 0
	for _, r := range u.srv.Requests() {
		if r.Path == tokenPath {
			n++
		}
	}
	return n
}

func TestSessionExpiryRefreshes(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 3})
	u := up.(*upstream)
	c := New().Collections()[0]
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil {
		t.Fatal(err)
	}
	if n := tokenRequests(u); n != 1 {
		t.Fatalf("%d token requests for the first page, want 1", n)
	}
	u.srv.RevokeSessions() // the org's session timeout
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	if n := tokenRequests(u); n != 2 {
		t.Errorf("%d token requests, want one more after the session expired", n)
	}
	// A mutation's body is sent again after the refresh.
	u.srv.RevokeSessions()
	m := &providers.Mutation{ID: "refresh-1", Kind: providers.MutationCreate, Data: map[string]any{"Name": "After refresh"}}
	rec, err := c.Mutate(t.Context(), sess, m)
	if err != nil || !strings.Contains(string(rec.Data), "After refresh") {
		t.Fatalf("create after the session expired: %v", err)
	}
}

// recordingStore is a TokenStore that remembers what was saved.
type recordingStore struct {
	mu    sync.Mutex
	saved map[string]any
}

func (s *recordingStore) SaveCredentialProperties(_ context.Context, _ string, props map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saved == nil {
		s.saved = map[string]any{}
	}
	for k, v := range props {
		s.saved[k] = v
	}
	return nil
}

func TestInstanceURLFollowsTheToken(t *testing.T) {
	t.Parallel()
	_, up := newUpstream(t, providertest.UpstreamOptions{Seed: 2})
	u := up.(*upstream)
	cred := u.credential(testRefresh)
	// The credential knows the org by an old name; the token answer names the instance as it is now.
	cred.Properties["instance_url"] = strings.Replace(u.url, "127.0.0.1", "localhost", 1)
	store := &recordingStore{}
	p := New()
	rt, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, store)
	if err != nil {
		t.Fatal(err)
	}
	sess := &providers.Session{Client: &providers.Client{BaseURL: p.Spec().DefaultBaseURL, HTTP: &http.Client{Transport: rt}, Classify: p.ClassifyError},
		Credential: cred}
	if got, _ := root(sess); got != cred.String("instance_url") {
		t.Fatalf("before any token: root %s", got)
	}
	if _, err := p.Collections()[0].Backfill(t.Context(), sess, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := root(sess); got != u.url {
		t.Errorf("after the token: root %s, want %s", got, u.url)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if store.saved["instance_url"] != u.url || store.saved["access_token"] == nil {
		t.Errorf("saved %v", store.saved)
	}
	if _, user := transportOf(sess).current(); user != u.srv.IDs("User")[0] {
		t.Errorf("user %q, want the integration user", user)
	}
}

func TestRefusedRefresh(t *testing.T) {
	t.Parallel()
	_, up := newUpstream(t, providertest.UpstreamOptions{Seed: 1})
	sess := up.RefusedSession()
	_, err := New().Collections()[0].Backfill(t.Context(), sess, "")
	if !providers.IsUnauthorized(err) || providers.IsRetryable(err) {
		t.Fatalf("refused refresh: %v, want unauthorized", err)
	}
	if !strings.Contains(err.Error(), "expired access/refresh token") || strings.Contains(err.Error(), testRevoked) ||
		strings.Contains(err.Error(), testClientSecret) {
		t.Errorf("error %q", err)
	}
}

func TestAuthenticateValidates(t *testing.T) {
	t.Parallel()
	p := New()
	good := map[string]any{"instance_url": "https://acme.my.salesforce.com", "refresh_token": "r", "client_id": "c", "client_secret": "s"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range good {
			m[key] = val
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: KindOAuth2, Properties: good}, nil, nil); err != nil {
		t.Fatalf("a good credential: %v", err)
	}
	for name, props := range map[string]map[string]any{
		"no instance":       with("instance_url", nil),
		"no refresh token":  with("refresh_token", nil),
		"no client id":      with("client_id", nil),
		"plain http":        with("instance_url", "http://acme.my.salesforce.com"),
		"not a url":         with("instance_url", "acme"),
		"userinfo":          with("instance_url", "https://user:pw@acme.my.salesforce.com"),
		"plain http login":  with("login_url", "http://login.salesforce.com"),
		"bad usage ceiling": with("api_usage_ceiling", 0.0),
	} {
		if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: KindOAuth2, Properties: props}, nil, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: "salesforce_key", Properties: good}, nil, nil); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://acme.my.salesforce.com":             "https://acme.my.salesforce.com",
		" https://acme.my.salesforce.com/some/path ": "https://acme.my.salesforce.com",
		"http://127.0.0.1:8080":                      "http://127.0.0.1:8080",
		"http://localhost:1":                         "http://localhost:1",
		"http://[::1]:9":                             "http://[::1]:9",
	} {
		if got, err := normalizeURL(in); err != nil || got != want {
			t.Errorf("normalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "acme.my.salesforce.com", "http://acme.my.salesforce.com", "ftp://x", "https://u@x.com"} {
		if got, err := normalizeURL(bad); err == nil {
			t.Errorf("normalizeURL(%q) = %q, want an error", bad, got)
		}
	}
}

// TestCheckpointUsesServerTime checks that a checkpoint is Salesforce's own clock.
func TestCheckpointUsesServerTime(t *testing.T) {
	t.Parallel()
	sess, _ := newUpstream(t, providertest.UpstreamOptions{Seed: 1})
	c := New().Collections()[0]
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := parseChangeCursor(cp)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(time.UnixMilli(cur.Since)); d < 0 || d > time.Hour {
		t.Errorf("checkpoint %s is not now", time.UnixMilli(cur.Since))
	}
}
