package providers

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// OAuth2 builds an authenticating transport for credentials holding an OAuth2 refresh token (and,
// optionally, a current access token). Refreshed tokens are persisted through tokens so a restart does
// not spend a refresh, and a refresh the provider refuses is classified as unauthorized.
func OAuth2(ctx context.Context, cfg *oauth2.Config, cred Credential, base http.RoundTripper, tokens TokenStore) http.RoundTripper {
	tok := &oauth2.Token{
		AccessToken:  cred.String("access_token"),
		RefreshToken: cred.String("refresh_token"),
		TokenType:    "Bearer",
	}
	if exp := cred.String("expires_at"); exp != "" {
		if t, err := time.Parse(time.RFC3339, exp); err == nil {
			tok.Expiry = t
		}
	}
	if tok.AccessToken != "" && tok.Expiry.IsZero() {
		tok.Expiry = time.Now().Add(-time.Second) // unknown age: refresh before first use
	}
	if base == nil {
		base = http.DefaultTransport
	}
	hctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, &http.Client{Transport: base, Timeout: 30 * time.Second})
	src := &persistingSource{
		ctx:   hctx,
		cred:  cred,
		store: tokens,
		src:   cfg.TokenSource(hctx, tok),
		last:  tok.AccessToken,
	}
	return &oauth2.Transport{Source: src, Base: base}
}

type persistingSource struct {
	ctx   context.Context
	cred  Credential
	store TokenStore
	src   oauth2.TokenSource

	mu   sync.Mutex
	last string
}

func (p *persistingSource) Token() (*oauth2.Token, error) {
	tok, err := p.src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, &Error{Kind: ErrUnauthorized, Status: re.Response.StatusCode, Code: re.ErrorCode,
				Message: "refreshing OAuth2 token was refused: " + firstNonEmpty(re.ErrorDescription, re.ErrorCode, "invalid_grant"), Err: err}
		}
		return nil, &Error{Kind: ErrRetryable, Message: "refreshing OAuth2 token: " + redactURL(err.Error()), Err: err}
	}
	p.mu.Lock()
	changed := tok.AccessToken != p.last
	p.last = tok.AccessToken
	p.mu.Unlock()
	if changed && p.store != nil && p.cred.ID != "" {
		props := map[string]any{"access_token": tok.AccessToken}
		if tok.RefreshToken != "" {
			props["refresh_token"] = tok.RefreshToken
		}
		if !tok.Expiry.IsZero() {
			props["expires_at"] = tok.Expiry.UTC().Format(time.RFC3339)
		}
		// A failure to persist is not fatal: the token works, the next process refreshes again.
		_ = p.store.SaveCredentialProperties(p.ctx, p.cred.ID, props)
	}
	return tok, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
