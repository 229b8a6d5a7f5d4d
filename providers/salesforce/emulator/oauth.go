package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// orgID is the emulated org's id.
var orgID = makeID("00D", 1)

// token answers POST /services/oauth2/token for the refresh-token grant, as a connected app's token
// endpoint does: errors are {"error", "error_description"} with status 400.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, desc string) {
		writeAPI(w, jsonResponse(status, map[string]any{"error": code, "error_description": desc}))
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "invalid_request", "must use HTTP POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "malformed request body")
		return
	}
	form := r.PostForm
	if id, secret, ok := r.BasicAuth(); ok {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	switch {
	case form.Get("grant_type") != "refresh_token":
		fail(http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
		return
	case form.Get("client_id") != s.cfg.ClientID:
		fail(http.StatusBadRequest, "invalid_client_id", "client identifier invalid")
		return
	case form.Get("client_secret") != s.cfg.ClientSecret:
		fail(http.StatusBadRequest, "invalid_client", "invalid client credentials")
		return
	case !s.acceptsRefresh(form.Get("refresh_token")):
		fail(http.StatusBadRequest, "invalid_grant", "expired access/refresh token")
		return
	}
	s.mu.Lock()
	access := orgID[:15] + "!AQ" + s.randomToken(80)
	exp := s.cfg.Now().Add(s.cfg.SessionTTL)
	if s.cfg.SessionTTL <= 0 {
		exp = exp.AddDate(100, 0, 0)
	}
	s.sessions[access] = exp
	userID := s.st.userID
	s.mu.Unlock()

	instance := "http://" + r.Host
	issued := strconv.FormatInt(s.cfg.Now().UnixMilli(), 10)
	id := instance + "/id/" + orgID + "/" + userID
	mac := hmac.New(sha256.New, []byte(s.cfg.ClientSecret))
	mac.Write([]byte(id + issued))
	writeAPI(w, jsonResponse(http.StatusOK, map[string]any{
		"access_token": access, "instance_url": instance, "id": id, "token_type": "Bearer",
		"issued_at": issued, "signature": base64.StdEncoding.EncodeToString(mac.Sum(nil)),
		"scope": "api refresh_token",
	}))
}

// acceptsRefresh reports whether a refresh token is one the org knows.
func (s *Server) acceptsRefresh(t string) bool {
	if t == "" {
		return false
	}
	if len(s.cfg.RefreshTokens) == 0 {
		return !strings.HasPrefix(t, "revoked")
	}
	for _, ok := range s.cfg.RefreshTokens {
		if t == ok {
			return true
		}
	}
	return false
}

// randomToken returns n characters of a session token; the caller holds s.mu.
func (s *Server) randomToken(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[s.rng.IntN(len(chars))]
	}
	return string(b)
}
