package linear

import (
	"context"
	"net/http"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/linear/emulator"
)

// TestAuthenticateNeedsRequiredProperties checks that every property a credential kind declares as
// required is checked by Authenticate, so a credential missing one fails before any request.
func TestAuthenticateNeedsRequiredProperties(t *testing.T) {
	t.Parallel()
	p := New()
	for _, kind := range p.Spec().CredentialKinds {
		full := map[string]any{}
		for _, f := range kind.Fields {
			if f.Required {
				full[f.Name] = "x-" + f.Name
			}
		}
		if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: kind.Kind, Properties: full}, http.DefaultTransport, nil); err != nil {
			t.Errorf("%s with every required property: %v", kind.Kind, err)
		}
		for name := range full {
			props := map[string]any{}
			for k, v := range full {
				if k != name {
					props[k] = v
				}
			}
			if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: kind.Kind, Properties: props}, http.DefaultTransport, nil); err == nil {
				t.Errorf("%s without %s was accepted", kind.Kind, name)
			}
		}
	}
	refreshable := map[string]any{"access_token": "a", "refresh_token": "r", "client_id": "c", "client_secret": "s"}
	for _, missing := range []string{"client_id", "client_secret"} {
		props := map[string]any{}
		for k, v := range refreshable {
			if k != missing {
				props[k] = v
			}
		}
		if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: KindOAuth2, Properties: props}, nil, nil); err == nil {
			t.Errorf("a refreshable credential without %s was accepted", missing)
		}
	}
	if _, err := p.Authenticate(t.Context(), providers.Credential{Kind: "linear_password"}, nil, nil); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

// tokenStore records saved credential properties.
type tokenStore struct {
	mu    sync.Mutex
	saved []map[string]any
}

func (s *tokenStore) SaveCredentialProperties(_ context.Context, _ string, p map[string]any) error {
	s.mu.Lock()
	s.saved = append(s.saved, p)
	s.mu.Unlock()
	return nil
}

func TestOAuth2(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{Seed: 3, APIKeys: []string{testKey}, AccessTokens: []string{"lin_oauth_static0123456789"},
		ClientID: "client-1", ClientSecret: "shh", RefreshTokens: []string{"lin_refresh_1"}})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	teams := collection(t, "teams")

	// A long-lived token without a refresh token is sent as it is.
	static := session(t, url, providers.Credential{Kind: KindOAuth2, Properties: map[string]any{"access_token": "lin_oauth_static0123456789"}})
	if p, err := teams.Backfill(t.Context(), static, ""); err != nil || len(p.Records) != 3 {
		t.Fatalf("backfill with a static token: %v", err)
	}

	// An expiring token is renewed at the API's token endpoint and the new tokens are stored.
	store := &tokenStore{}
	p := New()
	cred := providers.Credential{ID: "cred-1", Kind: KindOAuth2, Properties: map[string]any{
		"access_token": "lin_oauth_expired000000000000", "refresh_token": "lin_refresh_1", "client_id": "client-1", "client_secret": "shh",
		"expires_at": time.Now().Add(-time.Minute).Format(time.RFC3339)}}
	rt, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, store)
	if err != nil {
		t.Fatal(err)
	}
	sess := &providers.Session{Client: &providers.Client{BaseURL: url, HTTP: &http.Client{Transport: rt}, Classify: p.ClassifyError}, Credential: cred}
	if p, err := teams.Backfill(t.Context(), sess, ""); err != nil || len(p.Records) != 3 {
		t.Fatalf("backfill after a refresh: %v", err)
	}
	store.mu.Lock()
	saved := store.saved
	store.mu.Unlock()
	if len(saved) != 1 || !strings.HasPrefix(saved[0]["access_token"].(string), "lin_oauth_") ||
		!strings.HasPrefix(saved[0]["refresh_token"].(string), "lin_refresh_") || saved[0]["expires_at"] == nil {
		t.Errorf("saved %v, want the new access and refresh tokens with their expiry", saved)
	}

	// A refresh the endpoint refuses needs a person.
	revoked := providers.Credential{Kind: KindOAuth2, Properties: map[string]any{"access_token": "lin_oauth_x", "refresh_token": "lin_refresh_revoked",
		"client_id": "client-1", "client_secret": "shh"}}
	if _, err := teams.Backfill(t.Context(), session(t, url, revoked), ""); !providers.IsUnauthorized(err) {
		t.Errorf("backfill with a revoked refresh token: %v, want unauthorized", err)
	}

	// A personal API key goes as it is, never as a bearer token.
	bearer := session(t, url, providers.Credential{Kind: KindOAuth2, Properties: map[string]any{"access_token": testKey}})
	if _, err := teams.Backfill(t.Context(), bearer, ""); !providers.IsUnauthorized(err) {
		t.Errorf("an API key sent as a bearer token: %v, want unauthorized", err)
	}
}

func TestAPIBase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://api.linear.app/graphql":           "https://api.linear.app",
		"http://127.0.0.1:5000/linear/graphql":     "http://127.0.0.1:5000/linear",
		"http://127.0.0.1:5000/linear/oauth/token": "http://127.0.0.1:5000/linear",
		"http://127.0.0.1:5000/other":              "http://127.0.0.1:5000",
	} {
		u, _ := neturl.Parse(in)
		if got := apiBase(u); got != want {
			t.Errorf("apiBase(%s) = %s, want %s", in, got, want)
		}
	}
}
