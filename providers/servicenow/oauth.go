package servicenow

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/sequinsync/sequin/providers"
)

// tokenPath is the instance's OAuth token endpoint.
const tokenPath = "/oauth_token.do"

// oauthTransport authenticates with an OAuth2 refresh token. The token endpoint lives on the instance
// the requests go to, so the token source is made on first use from the request's own origin: the
// same credential then works against the instance and against an emulator named by base_url.
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

// RoundTrip sends r with an access token of the instance r goes to.
func (t *oauthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	origin := instanceOrigin(r.URL)
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

// instanceOrigin returns the instance root of a request: scheme, host and any path before /api/ (a
// proxy may mount the instance under a prefix).
func instanceOrigin(u *url.URL) string {
	prefix := ""
	if i := strings.Index(u.Path, "/api/"); i >= 0 {
		prefix = u.Path[:i]
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(prefix, "/")
}
