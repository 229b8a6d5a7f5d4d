package emulator

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// oauthScopes are the scopes every emulated OAuth grant holds.
var oauthScopes = []string{"data.records:read", "data.records:write", "schema.bases:read", "webhook:manage"}

// oauthState holds the OAuth integration's tokens: refresh tokens are single use (each refresh
// rotates it, as Airtable's do) and access tokens expire after AccessTokenTTL.
type oauthState struct {
	clientID, clientSecret string
	ttl                    time.Duration
	rng                    *rand.Rand
	refresh                map[string]bool
	access                 map[string]time.Time
	refreshes              int
}

func newOAuthState(cfg Config, rng *rand.Rand) *oauthState {
	o := &oauthState{clientID: cfg.OAuthClientID, clientSecret: cfg.OAuthClientSecret, ttl: cfg.AccessTokenTTL, rng: rng,
		refresh: map[string]bool{}, access: map[string]time.Time{}}
	if cfg.OAuthRefreshToken != "" {
		o.refresh[cfg.OAuthRefreshToken] = true
	}
	return o
}

// accessValid reports whether token is a live access token.
func (o *oauthState) accessValid(token string, now time.Time) bool {
	exp, ok := o.access[token]
	return ok && now.Before(exp)
}

// scopesOf returns the scopes of an access token, nil for other tokens.
func (o *oauthState) scopesOf(token string) []string {
	if _, ok := o.access[token]; ok {
		return oauthScopes
	}
	return nil
}

func (o *oauthState) token(prefix string, n int) string {
	b := []byte(prefix)
	for range n {
		b = append(b, idChars[o.rng.IntN(len(idChars))])
	}
	return string(b)
}

func oauthError(status int, code, desc string) response {
	return response{status: status, body: mustJSON(map[string]string{"error": code, "error_description": desc})}
}

// serveToken is POST /oauth2/v1/token for the refresh_token grant. A confidential client
// authenticates with HTTP Basic (client id and secret); a public one sends client_id in the body.
func (s *Server) serveToken(r *http.Request, body []byte) response {
	if r.Method != http.MethodPost {
		return errResponse(errNotFound())
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "The request body is not form encoded.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.oauth
	id, secret, basic := r.BasicAuth()
	if !basic {
		id = form.Get("client_id")
	}
	switch {
	case id != o.clientID:
		return oauthError(http.StatusUnauthorized, "invalid_client", "Unknown client.")
	case o.clientSecret != "" && (!basic || secret != o.clientSecret):
		return oauthError(http.StatusUnauthorized, "invalid_client", "The client secret is missing or wrong.")
	case form.Get("grant_type") != "refresh_token":
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "Only refresh_token grants are emulated.")
	}
	rt := form.Get("refresh_token")
	if !o.refresh[rt] {
		return oauthError(http.StatusBadRequest, "invalid_grant", "The refresh token is invalid, expired or was already used.")
	}
	delete(o.refresh, rt)
	o.refreshes++
	access := o.token("oaa", 24) + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("v", 8)))
	next := o.token("oar", 32)
	o.access[access] = s.st.now().Add(o.ttl)
	o.refresh[next] = true
	return okJSON(map[string]any{"access_token": access, "refresh_token": next, "token_type": "Bearer",
		"scope": strings.Join(oauthScopes, " "), "expires_in": int(o.ttl / time.Second), "refresh_expires_in": 60 * 24 * 3600})
}

// Refreshes returns how many refresh grants the token endpoint has honoured.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.refreshes
}

// RevokeAccessTokens invalidates every OAuth access token, as Airtable does when a grant is revoked or
// a token refreshed elsewhere.
func (s *Server) RevokeAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.oauth.access)
}
