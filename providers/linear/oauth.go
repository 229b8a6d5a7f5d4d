package linear

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/sequinsync/sequin/providers"
)

// tokenPath is Linear's OAuth token endpoint, relative to the API's base URL
// (https://api.linear.app/oauth/token).
const tokenPath = "/oauth/token"

// oauthTransport renews OAuth access tokens with the refresh token. The token endpoint lives on the
// API's own host and a credential does not know which base URL a sync uses, so the token source is
// made on first use from the origin of the request itself: the same credential then works against
// the real API and against an emulator.
type oauthTransport struct {
	ctx    context.Context
	cred   providers.Credential
	base   http.RoundTripper
	tokens providers.TokenStore

	mu       sync.Mutex
	byOrigin map[string]http.RoundTripper
}

func newOAuthTransport(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) *oauthTransport {
	return &oauthTransport{ctx: context.WithoutCancel(ctx), cred: cred, base: base, tokens: tokens, byOrigin: map[string]http.RoundTripper{}}
}

// RoundTrip sends r with an access token for the API r goes to.
func (t *oauthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	origin := apiBase(r.URL)
	t.mu.Lock()
	rt := t.byOrigin[origin]
	if rt == nil {
		cfg := &oauth2.Config{
			ClientID:     t.cred.String("client_id"),
			ClientSecret: t.cred.String("client_secret"),
			Endpoint:     oauth2.Endpoint{TokenURL: origin + tokenPath, AuthStyle: oauth2.AuthStyleInParams},
		}
		rt = providers.OAuth2(t.ctx, cfg, t.cred, t.base, t.tokens)
		t.byOrigin[origin] = rt
	}
	t.mu.Unlock()
	return rt.RoundTrip(r)
}

// apiBase returns the base URL of an API request: its scheme, host and any path before the API's own
// paths (a proxy may mount the API under a prefix).
func apiBase(u *url.URL) string {
	prefix := ""
	for _, root := range []string{graphqlPath, tokenPath} {
		if i := strings.LastIndex(u.Path, root); i >= 0 {
			prefix = u.Path[:i]
			break
		}
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(prefix, "/")
}
