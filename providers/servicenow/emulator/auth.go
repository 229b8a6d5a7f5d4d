package emulator

import (
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authenticated reports whether r carries a known user's basic credentials or a live bearer token.
func (s *Server) authenticated(r *http.Request) bool {
	if user, pass, ok := r.BasicAuth(); ok {
		want, known := s.cfg.Users[user]
		return known && subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[tok]
	return known && s.cfg.Now().Before(exp)
}

// serveToken answers POST /oauth_token.do: the refresh_token and password grants, with the client's
// id and secret in the form, as ServiceNow's OAuth endpoint takes them.
func (s *Server) serveToken(r *http.Request) response {
	if r.Method != http.MethodPost {
		return errResp(http.StatusMethodNotAllowed, "Method not allowed", "")
	}
	if err := r.ParseForm(); err != nil {
		return oauthError("invalid_request", "unreadable form")
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" {
		id, secret, _ = r.BasicAuth()
	}
	want, known := s.cfg.OAuthClients[id]
	if !known || subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return response{status: http.StatusUnauthorized, body: []byte(`{"error_description":"access_denied","error":"server_error"}`)}
	}
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		if !slices.Contains(s.cfg.RefreshTokens, r.PostForm.Get("refresh_token")) {
			return response{status: http.StatusUnauthorized, body: []byte(`{"error_description":"access_denied","error":"server_error"}`)}
		}
	case "password":
		pass, ok := s.cfg.Users[r.PostForm.Get("username")]
		if !ok || pass != r.PostForm.Get("password") {
			return response{status: http.StatusUnauthorized, body: []byte(`{"error_description":"access_denied","error":"server_error"}`)}
		}
	default:
		return oauthError("unsupported_grant_type", "grant type not supported")
	}
	s.mu.Lock()
	b := make([]byte, 24)
	for i := range b {
		b[i] = byte(s.rng.UintN(256))
	}
	tok := hex.EncodeToString(b)
	s.tokens[tok] = s.cfg.Now().Add(s.cfg.AccessTokenTTL)
	s.mu.Unlock()
	body := `{"access_token":"` + tok + `","refresh_token":"` + r.PostForm.Get("refresh_token") +
		`","scope":"useraccount","token_type":"Bearer","expires_in":` + strconv.Itoa(int(s.cfg.AccessTokenTTL/time.Second)) + `}`
	return response{status: http.StatusOK, body: []byte(body), header: map[string]string{"Cache-Control": "no-store"}}
}

func oauthError(code, desc string) response {
	return response{status: http.StatusBadRequest, body: []byte(`{"error_description":"` + desc + `","error":"` + code + `"}`)}
}
