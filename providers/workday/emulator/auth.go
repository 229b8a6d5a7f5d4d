package emulator

import (
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// authenticated reports whether r carries a live bearer token.
func (s *Server) authenticated(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[h[7:]]
	return known && s.cfg.Now().Before(exp)
}

// RevokeTokens forgets every issued access token, as a tenant refresh or a client re-registration
// does; clients must refresh.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// serveToken answers POST /ccx/oauth2/<tenant>/token with the refresh_token grant, taking the client's
// id and secret from basic authentication or the form.
func (s *Server) serveToken(r *http.Request) response {
	if r.Method != http.MethodPost {
		return oauthError(http.StatusMethodNotAllowed, "invalid_request", "the token endpoint takes POST")
	}
	if err := r.ParseForm(); err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "unreadable form")
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	want, known := s.cfg.Clients[id]
	if !known || subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return oauthError(http.StatusUnauthorized, "invalid_client", "Invalid client credentials")
	}
	if gt := r.PostForm.Get("grant_type"); gt != "refresh_token" {
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "Grant type not supported")
	}
	refresh := r.PostForm.Get("refresh_token")
	if !slices.Contains(s.cfg.RefreshTokens, refresh) {
		return oauthError(http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
	}
	s.mu.Lock()
	b := make([]byte, 24)
	for i := range b {
		b[i] = byte(s.rng.UintN(256))
	}
	tok := hex.EncodeToString(b)
	s.tokens[tok] = s.cfg.Now().Add(s.cfg.AccessTokenTTL)
	s.mu.Unlock()
	resp := jsonResp(map[string]any{"access_token": tok, "token_type": "Bearer", "refresh_token": refresh,
		"expires_in": int(s.cfg.AccessTokenTTL / time.Second)})
	resp.header = map[string]string{"Cache-Control": "no-store"}
	return resp
}

// oauthError is an OAuth2 error answer.
func oauthError(status int, code, desc string) response {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	return response{status: status, body: b}
}
