package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// tokenPath is Linear's OAuth token endpoint.
const tokenPath = "/oauth/token"

// AccessTokenTTL is how long an access token the token endpoint issues lives, Linear's 24 hours.
const AccessTokenTTL = 24 * time.Hour

// serveToken answers POST /oauth/token for the refresh_token grant: it checks the client (in the form
// or with basic authentication) and the refresh token, then issues a new access token and a new
// refresh token. Refusals are OAuth errors: invalid_client (401), invalid_grant and
// unsupported_grant_type (400).
func (s *Server) serveToken(w *recorder, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	refresh := form.Get("refresh_token")
	s.mu.RLock()
	issued := s.refresh[refresh]
	s.mu.RUnlock()
	switch {
	case form.Get("grant_type") != "refresh_token":
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be refresh_token")
	case id == "" || (s.cfg.ClientID != "" && id != s.cfg.ClientID) || (s.cfg.ClientSecret != "" && secret != s.cfg.ClientSecret):
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
	case refresh == "" || (!issued && len(s.cfg.RefreshTokens) > 0 && !slices.Contains(s.cfg.RefreshTokens, refresh)):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid, expired or revoked")
	default:
		access, next := "lin_oauth_"+randomHex(), "lin_refresh_"+randomHex()
		s.mu.Lock()
		s.tokens[access] = time.Now().Add(AccessTokenTTL)
		s.refresh[next] = true
		s.mu.Unlock()
		out, _ := json.Marshal(map[string]any{"access_token": access, "token_type": "Bearer",
			"expires_in": int(AccessTokenTTL.Seconds()), "scope": "read write", "refresh_token": next})
		w.header.Set("Content-Type", "application/json; charset=utf-8")
		w.header.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	}
}

func writeOAuthError(w *recorder, status int, code, msg string) {
	out, _ := json.Marshal(map[string]string{"error": code, "error_description": msg})
	w.header.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
