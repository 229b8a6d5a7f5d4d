package airtable

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/sequinsync/sequin/providers"
)

// DefaultTokenURL is Airtable's OAuth token endpoint; it lives on airtable.com, not on the API's host.
const DefaultTokenURL = "https://airtable.com/oauth2/v1/token"

// tokenPath is the token endpoint's path, also on an emulator or proxy serving the API.
const tokenPath = "/oauth2/v1/token"

// oauthTransport authenticates with an OAuth grant. The token endpoint is the credential's token_url,
// else Airtable's when requests go to api.airtable.com, else the token path on the host the requests
// go to (an emulator, a proxy): the same credential then works against each. Airtable rotates refresh
// tokens, so every refreshed pair is stored through the token store.
type oauthTransport struct {
	ctx    context.Context
	cred   providers.Credential
	base   http.RoundTripper
	tokens providers.TokenStore

	mu      sync.Mutex
	byToken map[string]http.RoundTripper
}

func newOAuthTransport(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) *oauthTransport {
	return &oauthTransport{ctx: context.WithoutCancel(ctx), cred: cred, base: base, tokens: tokens, byToken: map[string]http.RoundTripper{}}
}

// tokenURL is the token endpoint for requests to u.
func (t *oauthTransport) tokenURL(u *url.URL) string {
	if v := strings.TrimSpace(t.cred.String("token_url")); v != "" {
		return v
	}
	if strings.EqualFold(u.Hostname(), "api.airtable.com") {
		return DefaultTokenURL
	}
	return u.Scheme + "://" + u.Host + tokenPath
}

// RoundTrip sends r with an access token from the grant.
func (t *oauthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tokenURL := t.tokenURL(r.URL)
	t.mu.Lock()
	rt := t.byToken[tokenURL]
	if rt == nil {
		cfg := &oauth2.Config{
			ClientID:     t.cred.String("client_id"),
			ClientSecret: t.cred.String("client_secret"),
			Endpoint:     oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
		}
		if cfg.ClientSecret != "" {
			// A confidential client authenticates with HTTP Basic; a public one names itself in the body.
			cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
		}
		rt = providers.OAuth2(t.ctx, cfg, t.cred, t.base, t.tokens)
		t.byToken[tokenURL] = rt
	}
	t.mu.Unlock()
	return rt.RoundTrip(r)
}
