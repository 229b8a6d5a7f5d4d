package workday

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/sequinsync/sequin/providers"
)

// oauthTransport authenticates with an OAuth2 refresh token. The token endpoint lives on the host the
// requests go to, so a token source is made on first use from the request's own origin: the same
// credential then works against the tenant and against an emulator named by base_url.
//
// Workday may invalidate an access token before its stated expiry (a tenant refresh, a client
// re-registration), and answers 401 invalid_token; the transport then refreshes once and resends, so
// that only a refused refresh token reaches the caller as unauthorized.
type oauthTransport struct {
	ctx    context.Context
	cred   providers.Credential
	tenant string
	base   http.RoundTripper
	tokens providers.TokenStore

	mu       sync.Mutex
	byOrigin map[string]*originAuth
}

// originAuth is the token source of one origin, remade when the API refuses its access token.
type originAuth struct {
	rt http.RoundTripper
}

func newOAuthTransport(ctx context.Context, cred providers.Credential, tenant string, base http.RoundTripper, tokens providers.TokenStore) *oauthTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &oauthTransport{ctx: context.WithoutCancel(ctx), cred: cred, tenant: tenant, base: base, tokens: tokens, byOrigin: map[string]*originAuth{}}
}

// RoundTrip sends r with an access token of the host r goes to.
func (t *oauthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	origin := hostOrigin(r.URL)
	auth := t.auth(origin, nil)
	resp, err := auth.rt.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !retryable(r) {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	if !strings.Contains(string(body), "invalid_token") {
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		return resp, nil
	}
	r2 := r.Clone(r.Context())
	if r.GetBody != nil {
		b, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		r2.Body = b
	}
	return t.auth(origin, auth).rt.RoundTrip(r2)
}

// retryable reports whether r can be sent a second time.
func retryable(r *http.Request) bool {
	return r.Body == nil || r.Body == http.NoBody || r.GetBody != nil
}

// auth returns the origin's token source; refused, when set, is the one whose access token the API
// refused, and is replaced by one that refreshes before its first use (unless another request
// already replaced it).
func (t *oauthTransport) auth(origin string, refused *originAuth) *originAuth {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.byOrigin[origin]
	if cur != nil && (refused == nil || cur != refused) {
		return cur
	}
	cred := t.cred
	if refused != nil {
		props := make(map[string]any, len(cred.Properties))
		for k, v := range cred.Properties {
			if k != "access_token" && k != "expires_at" {
				props[k] = v
			}
		}
		cred.Properties = props
	}
	cfg := &oauth2.Config{
		ClientID:     t.cred.String("client_id"),
		ClientSecret: t.cred.String("client_secret"),
		Endpoint:     oauth2.Endpoint{TokenURL: origin + "/ccx/oauth2/" + t.tenant + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	cur = &originAuth{rt: providers.OAuth2(t.ctx, cfg, cred, t.base, t.tokens)}
	t.byOrigin[origin] = cur
	return cur
}

// hostOrigin returns the root of a request: scheme, host and any path before /ccx/ (a proxy may
// mount the host under a prefix).
func hostOrigin(u *url.URL) string {
	prefix := ""
	if i := strings.Index(u.Path, "/ccx/"); i >= 0 {
		prefix = u.Path[:i]
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(prefix, "/")
}
