package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/sequinsync/sequin/providers"
)

// tokenPath is the OAuth2 token endpoint, on the login host (login.salesforce.com,
// test.salesforce.com for sandboxes, or the org's My Domain).
const tokenPath = "/services/oauth2/token"

// authTransport authenticates with the refresh-token flow through the shared OAuth2 plumbing and adds
// what Salesforce needs besides:
//   - Salesforce's token answers carry no expiry (a session lasts as the org's timeout says), so a
//     401 INVALID_SESSION_ID makes it refresh once and send the request again;
//   - the token answer names the org's instance_url, which moves when an org is migrated or gets a
//     My Domain: requests follow it, and it is saved with the credential;
//   - every answer reports the org's daily API use, which the guard follows (see limits.go).
type authTransport struct {
	ctx    context.Context
	cfg    *oauth2.Config
	base   http.RoundTripper
	tokens providers.TokenStore
	guard  *usageGuard
	now    func() time.Time

	mu       sync.Mutex
	cred     providers.Credential
	rt       http.RoundTripper
	gen      int
	instance string
	userID   string
}

// newAuthTransport builds the transport for a validated credential.
func newAuthTransport(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore, ceiling int64) (*authTransport, error) {
	login := strings.TrimRight(cred.String("login_url"), "/")
	if login == "" {
		login = DefaultLoginURL
	}
	instance, err := normalizeURL(cred.String("instance_url"))
	if err != nil {
		return nil, fmt.Errorf("salesforce: instance_url: %w", err)
	}
	if login, err = normalizeURL(login); err != nil {
		return nil, fmt.Errorf("salesforce: login_url: %w", err)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	t := &authTransport{
		ctx:    context.WithoutCancel(ctx),
		base:   base,
		tokens: tokens,
		guard:  &usageGuard{ceiling: ceiling},
		now:    time.Now,
		cred:   cred,
		cfg: &oauth2.Config{
			ClientID:     cred.String("client_id"),
			ClientSecret: cred.String("client_secret"),
			Endpoint:     oauth2.Endpoint{TokenURL: login + tokenPath, AuthStyle: oauth2.AuthStyleInParams},
		},
		instance: instance,
	}
	t.rt = providers.OAuth2(t.ctx, t.cfg, cred, &tokenObserver{base: base, seen: t.sawToken}, tokens)
	return t, nil
}

// normalizeURL accepts an https URL, or http on a loopback host (an emulator), and returns its
// scheme and host: the credential must not be able to send tokens in the clear elsewhere.
func normalizeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("%q is not a URL like https://acme.my.salesforce.com", clip(raw))
	}
	host := u.Hostname()
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return "", fmt.Errorf("%q must use https", clip(raw))
	}
	return u.Scheme + "://" + u.Host, nil
}

// RoundTrip sends r with a current access token, refreshing once if Salesforce says the session
// expired.
func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.guard.check(t.now()); err != nil {
		return nil, err
	}
	t.mu.Lock()
	rt, gen := t.rt, t.gen
	t.mu.Unlock()
	resp, err := rt.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	t.guard.observe(resp.Header, t.now())
	if resp.StatusCode != http.StatusUnauthorized || (r.Body != nil && r.GetBody == nil) {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	again := r.Clone(r.Context())
	if r.GetBody != nil {
		if again.Body, err = r.GetBody(); err != nil {
			return nil, fmt.Errorf("salesforce: resending a request after refreshing the session: %w", err)
		}
	}
	resp, err = t.renew(gen).RoundTrip(again)
	if err == nil {
		t.guard.observe(resp.Header, t.now())
	}
	return resp, err
}

// renew replaces the OAuth2 transport of generation gen with one that refreshes before its first
// request; concurrent callers that saw the same expired session share one refresh.
func (t *authTransport) renew(gen int) http.RoundTripper {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gen == gen {
		cred := t.cred
		cred.Properties = make(map[string]any, len(t.cred.Properties))
		for k, v := range t.cred.Properties {
			cred.Properties[k] = v
		}
		delete(cred.Properties, "access_token")
		delete(cred.Properties, "expires_at")
		t.rt = providers.OAuth2(t.ctx, t.cfg, cred, &tokenObserver{base: t.base, seen: t.sawToken}, t.tokens)
		t.gen++
	}
	return t.rt
}

// sawToken learns the instance URL, the user and a rotated refresh token from a token answer, and
// saves a moved instance URL with the credential.
func (t *authTransport) sawToken(tok tokenAnswer) {
	instance, err := normalizeURL(tok.InstanceURL)
	t.mu.Lock()
	moved := err == nil && instance != t.instance
	if moved {
		t.instance = instance
	}
	if i := strings.LastIndexByte(tok.ID, '/'); i >= 0 && validID(tok.ID[i+1:]) {
		t.userID = tok.ID[i+1:]
	}
	if tok.RefreshToken != "" {
		t.cred.Properties = copyWith(t.cred.Properties, "refresh_token", tok.RefreshToken)
	}
	if moved {
		t.cred.Properties = copyWith(t.cred.Properties, "instance_url", instance)
	}
	id := t.cred.ID
	t.mu.Unlock()
	if moved && t.tokens != nil && id != "" {
		// Not fatal: the next process learns it again from its first refresh.
		_ = t.tokens.SaveCredentialProperties(t.ctx, id, map[string]any{"instance_url": instance})
	}
}

func copyWith(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// current returns the instance URL requests go to and the API user's id ("" until the first token).
func (t *authTransport) current() (instance, userID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.instance, t.userID
}

// tokenAnswer is what is read of a token endpoint answer besides the token itself.
type tokenAnswer struct {
	InstanceURL  string `json:"instance_url"`
	ID           string `json:"id"`
	RefreshToken string `json:"refresh_token"`
}

// tokenObserver passes requests through and shows successful token answers to seen; the body is read
// and put back for golang.org/x/oauth2.
type tokenObserver struct {
	base http.RoundTripper
	seen func(tokenAnswer)
}

// RoundTrip sends r and, for a successful token answer, shows it to seen.
func (o *tokenObserver) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := o.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(r.URL.Path, tokenPath) {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("salesforce: reading the token answer: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var tok tokenAnswer
	if json.Unmarshal(body, &tok) == nil {
		o.seen(tok)
	}
	return resp, nil
}

// transportOf returns the session's Salesforce transport, or nil when it was built otherwise.
func transportOf(s *providers.Session) *authTransport {
	if s == nil || s.Client == nil || s.Client.HTTP == nil {
		return nil
	}
	t, _ := s.Client.HTTP.Transport.(*authTransport)
	return t
}
