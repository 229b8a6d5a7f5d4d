package auth0

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sequinsync/sequin/providers"
)

// tokenPath is the tenant's token endpoint, relative to the API's origin.
const tokenPath = "/oauth/token"

// tokenTransport sends Management API requests with a client-credentials token. The token endpoint
// lives on the tenant's own host, and a credential does not know which base URL a sync uses, so the
// token URL is taken from the origin of the request itself: the same credential then works against
// the real tenant and against an emulator. Tokens are persisted through the TokenStore because Auth0
// meters machine-to-machine token issuance per month.
type tokenTransport struct {
	ctx      context.Context
	cred     providers.Credential
	audience string
	base     http.RoundTripper
	store    providers.TokenStore

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTokenTransport(ctx context.Context, cred providers.Credential, audience string, base http.RoundTripper, store providers.TokenStore) *tokenTransport {
	t := &tokenTransport{ctx: context.WithoutCancel(ctx), cred: cred, audience: audience, base: base, store: store}
	if at := cred.String("access_token"); at != "" {
		if exp, err := time.Parse(time.RFC3339, cred.String("expires_at")); err == nil {
			t.tok = &oauth2.Token{AccessToken: at, TokenType: "Bearer", Expiry: exp}
		}
	}
	return t
}

// RoundTrip sends r with a valid token, fetching one first when needed.
func (t *tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := t.token(r.Context(), r.URL.Scheme+"://"+r.URL.Host+apiPrefix(r.URL.Path))
	if err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := t.base.RoundTrip(r2)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		t.mu.Lock()
		if t.tok != nil && t.tok.AccessToken == tok.AccessToken {
			t.tok = nil // revoked or expired early: the next request mints a new token
		}
		t.mu.Unlock()
	}
	return resp, err
}

// apiPrefix returns any path before /api/v2 (a proxy may mount the tenant under a prefix).
func apiPrefix(path string) string {
	if i := strings.Index(path, "/api/v2"); i > 0 {
		return path[:i]
	}
	return ""
}

// token returns the current token or obtains a new one from origin's token endpoint.
func (t *tokenTransport) token(ctx context.Context, origin string) (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && t.tok.Expiry.After(time.Now().Add(time.Minute)) {
		return t.tok, nil
	}
	cfg := &clientcredentials.Config{
		ClientID:       t.cred.String("client_id"),
		ClientSecret:   t.cred.String("client_secret"),
		TokenURL:       origin + tokenPath,
		EndpointParams: map[string][]string{"audience": {t.audience}},
		AuthStyle:      oauth2.AuthStyleInParams,
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: t.base, Timeout: 30 * time.Second})
	tok, err := cfg.Token(hctx)
	if err != nil {
		return nil, classifyTokenError(ctx, err, time.Now())
	}
	if tok.Expiry.IsZero() {
		tok.Expiry = time.Now().Add(time.Hour)
	}
	t.tok = tok
	if t.store != nil && t.cred.ID != "" {
		// A failure to persist is not fatal: the token works, the next process mints another.
		_ = t.store.SaveCredentialProperties(t.ctx, t.cred.ID, map[string]any{
			"access_token": tok.AccessToken, "expires_at": tok.Expiry.UTC().Format(time.RFC3339)})
	}
	return tok, nil
}

// classifyTokenError classifies a failed client-credentials exchange: a refusal needs a person, a
// 429 waits for x-ratelimit-reset, 5xx and network failures are transient, and an answer that is no
// token is malformed.
func classifyTokenError(ctx context.Context, err error, now time.Time) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		status := re.Response.StatusCode
		msg := "client credentials exchange: " + firstNonEmpty(re.ErrorDescription, re.ErrorCode, http.StatusText(status))
		switch {
		case status == http.StatusTooManyRequests:
			return &providers.Error{Kind: providers.ErrRateLimited, Status: status, Code: re.ErrorCode, Message: msg,
				RetryAfter: retryAfter(re.Response.Header, now), Err: err}
		case status >= 500 || status == http.StatusRequestTimeout:
			return &providers.Error{Kind: providers.ErrRetryable, Status: status, Code: re.ErrorCode, Message: msg, Err: err}
		case status/100 == 2:
			return &providers.Error{Kind: providers.ErrMalformed, Status: status, Code: re.ErrorCode, Message: msg, Err: err}
		}
		return &providers.Error{Kind: providers.ErrUnauthorized, Status: status, Code: re.ErrorCode,
			Message: "client credentials were refused: " + firstNonEmpty(re.ErrorDescription, re.ErrorCode, http.StatusText(status)), Err: err}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &providers.Error{Kind: providers.ErrRetryable, Message: "client credentials exchange: " + err.Error(), Err: err}
	}
	return providers.Malformed(err, "client credentials exchange: the token endpoint answered without a token: %v", err)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
