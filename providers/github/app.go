package github

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// app is a GitHub App credential.
type app struct {
	id           string // app id or client id, the JWT's issuer
	installation string
	key          *rsa.PrivateKey
	keyID        string // fingerprint of the public key, for cache keys
}

// parseApp reads a github_app credential.
func parseApp(cred providers.Credential) (*app, error) {
	a := &app{id: strings.TrimSpace(credString(cred, "app_id")), installation: strings.TrimSpace(credString(cred, "installation_id"))}
	if a.id == "" {
		return nil, errors.New("github: a github_app credential needs app_id")
	}
	if a.installation == "" {
		return nil, errors.New("github: a github_app credential needs installation_id")
	}
	if _, err := strconv.ParseUint(a.installation, 10, 64); err != nil {
		return nil, fmt.Errorf("github: installation_id %q is not a number", a.installation)
	}
	key, err := parsePrivateKey(cred.String("private_key"))
	if err != nil {
		return nil, err
	}
	a.key = key
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	a.keyID = fingerprint(string(pub))
	return a, nil
}

// credString reads a property that may have been stored as a JSON number.
func credString(cred providers.Credential, name string) string {
	switch v := cred.Properties[name].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	}
	return ""
}

// parsePrivateKey reads the app's PEM key: PKCS#1 as GitHub issues it, or PKCS#8. Keys pasted with
// escaped newlines ("\n") are accepted too.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, `\n`, "\n"))
	if s == "" {
		return nil, errors.New("github: a github_app credential needs private_key")
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("github: private_key is not PEM encoded")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("github: private_key is not an RSA key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("github: private_key is not an RSA key")
	}
	return rk, nil
}

// jwtLifetime is how long an app JWT is valid; GitHub accepts at most ten minutes.
const jwtLifetime = 9 * time.Minute

// jwt signs an app JWT (RS256) issued a minute in the past, to allow for clock drift.
func (a *app) jwt(now time.Time) (string, error) {
	var iss any = a.id
	if n, err := strconv.ParseInt(a.id, 10, 64); err == nil {
		iss = n
	}
	claims, err := json.Marshal(map[string]any{"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(jwtLifetime).Unix(), "iss": iss})
	if err != nil {
		return "", fmt.Errorf("github: encoding JWT claims: %w", err)
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, a.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("github: signing JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// installationToken is a minted token and when to stop using it.
type installationToken struct {
	token   string
	refresh time.Time
}

// tokenMargin is how long before expiry an installation token is replaced.
const tokenMargin = 5 * time.Minute

// installationTokens caches installation tokens per API root, app, installation and key.
type installationTokens struct {
	mu     sync.Mutex
	tokens map[string]*installationToken
	// minting serializes the minting of one key's token, so concurrent requests mint once.
	minting map[string]*sync.Mutex
	now     func() time.Time
}

func newInstallationTokens() *installationTokens {
	return &installationTokens{tokens: map[string]*installationToken{}, minting: map[string]*sync.Mutex{}, now: time.Now}
}

func (c *installationTokens) lock(key string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.minting[key]
	if m == nil {
		m = &sync.Mutex{}
		c.minting[key] = m
	}
	return m
}

func (c *installationTokens) cached(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tokens[key]; t != nil && c.now().Before(t.refresh) {
		return t.token
	}
	return ""
}

// forget drops a token GitHub refused, so that the next request mints a new one.
func (c *installationTokens) forget(key, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tokens[key]; t != nil && t.token == token {
		delete(c.tokens, key)
	}
}

// get returns a valid installation token, minting one through base when needed.
func (c *installationTokens) get(ctx context.Context, base http.RoundTripper, root string, a *app) (string, string, error) {
	key := root + " " + a.id + " " + a.installation + " " + a.keyID
	if t := c.cached(key); t != "" {
		return key, t, nil
	}
	m := c.lock(key)
	m.Lock()
	defer m.Unlock()
	if t := c.cached(key); t != "" {
		return key, t, nil
	}
	tok, expires, err := mint(ctx, base, root, a, c.now())
	if err != nil {
		return key, "", err
	}
	refresh := expires.Add(-tokenMargin)
	if !refresh.After(c.now()) {
		refresh = c.now().Add(time.Until(expires) / 2)
	}
	c.mu.Lock()
	c.tokens[key] = &installationToken{token: tok, refresh: refresh}
	c.mu.Unlock()
	return key, tok, nil
}

// mint exchanges a JWT for an installation token: POST /app/installations/{id}/access_tokens.
func mint(ctx context.Context, base http.RoundTripper, root string, a *app, now time.Time) (string, time.Time, error) {
	jwt, err := a.jwt(now)
	if err != nil {
		return "", time.Time{}, &providers.Error{Kind: providers.ErrUnauthorized, Message: err.Error(), Err: err}
	}
	u := root + "/app/installations/" + url.PathEscape(a.installation) + "/access_tokens"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("github: building the installation token request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	for k, v := range apiHeaders() {
		req.Header.Set(k, v)
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", time.Time{}, ctx.Err()
		}
		return "", time.Time{}, &providers.Error{Kind: providers.ErrRetryable, Message: "minting an installation token: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", time.Time{}, &providers.Error{Kind: providers.ErrRetryable, Status: resp.StatusCode, Message: "reading the installation token: " + err.Error(), Err: err}
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		e := classify(resp.StatusCode, resp.Header, body, time.Now())
		e.Message = "minting an installation token for installation " + a.installation + ": " + e.Message
		if e.Kind == providers.ErrNotFound || e.Kind == providers.ErrInvalidRequest {
			// An unknown app or installation, or a refused JWT: the credential must be fixed.
			e.Kind = providers.ErrUnauthorized
		}
		return "", time.Time{}, e
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		return "", time.Time{}, providers.Malformed(err, "github: the installation token answer has no token (HTTP %d, %d bytes)", resp.StatusCode, len(body))
	}
	if out.ExpiresAt.IsZero() {
		out.ExpiresAt = now.Add(time.Hour)
	}
	return out.Token, out.ExpiresAt, nil
}

// appTransport authenticates requests with the app's installation token.
type appTransport struct {
	base   http.RoundTripper
	app    *app
	tokens *installationTokens
}

// RoundTrip sends r with an installation token. A token GitHub refuses (revoked, or expired early by
// clock skew) is forgotten and the request sent once more with a fresh one, when its body can be
// sent again; a refusal of the fresh token is the answer.
func (t *appTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	key, tok, err := t.tokens.get(r.Context(), t.base, apiRoot(r.URL), t.app)
	if err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(t.authorized(r, tok, r.Body))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	t.tokens.forget(key, tok)
	replayable := r.Body == nil || r.Body == http.NoBody || r.GetBody != nil
	if !replayable {
		return resp, nil
	}
	body := r.Body
	if r.GetBody != nil {
		if body, err = r.GetBody(); err != nil {
			return resp, nil //nolint:nilerr // the refusal at hand is the answer
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	// A mint that fails now (the app uninstalled, its key revoked) explains the refusal best.
	_, fresh, err := t.tokens.get(r.Context(), t.base, apiRoot(r.URL), t.app)
	if err != nil {
		return nil, err
	}
	return t.base.RoundTrip(t.authorized(r, fresh, body))
}

// authorized is a copy of r carrying tok and the API headers, with body.
func (t *appTransport) authorized(r *http.Request, tok string, body io.ReadCloser) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Body = body
	r2.Header.Set("Authorization", "Bearer "+tok)
	for k, v := range apiHeaders() {
		r2.Header.Set(k, v)
	}
	return r2
}

// apiRoot is the API root a request goes to: its scheme and host, plus /api/v3 on GitHub Enterprise
// Server.
func apiRoot(u *url.URL) string {
	root := u.Scheme + "://" + u.Host
	if strings.HasPrefix(u.Path, "/api/v3/") || u.Path == "/api/v3" {
		root += "/api/v3"
	}
	return root
}
