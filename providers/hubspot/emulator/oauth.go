package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// tokenPath is HubSpot's OAuth token endpoint.
const tokenPath = "/oauth/v1/token"

// accessTokenTTL is how long an issued access token lives, HubSpot's 30 minutes.
const accessTokenTTL = 30 * time.Minute

// handleToken serves POST /oauth/v1/token for the refresh_token grant: it checks the client and the
// refresh token and issues an access token. Refusals carry HubSpot's status codes (BAD_CLIENT_ID,
// BAD_REFRESH_TOKEN, ...) in a 400.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeTokenError(w, "BAD_REQUEST", "could not read the form: "+err.Error())
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "refresh_token":
		writeTokenError(w, "UNSUPPORTED_GRANT_TYPE", "grant_type must be refresh_token")
	case f.Get("client_id") == "" || (s.cfg.ClientID != "" && f.Get("client_id") != s.cfg.ClientID):
		writeTokenError(w, "BAD_CLIENT_ID", "missing or unknown client id")
	case s.cfg.ClientSecret != "" && f.Get("client_secret") != s.cfg.ClientSecret:
		writeTokenError(w, "BAD_CLIENT_SECRET", "missing or invalid client secret")
	case f.Get("refresh_token") == "" || (len(s.cfg.RefreshTokens) > 0 && !slices.Contains(s.cfg.RefreshTokens, f.Get("refresh_token"))):
		writeTokenError(w, "BAD_REFRESH_TOKEN", "missing or unknown refresh token")
	default:
		token := "emu-oauth-" + newUUID()
		s.mu.Lock()
		s.tokens[token] = time.Now().Add(accessTokenTTL)
		s.mu.Unlock()
		body, _ := json.Marshal(map[string]any{"token_type": "bearer", "refresh_token": f.Get("refresh_token"),
			"access_token": token, "expires_in": int(accessTokenTTL.Seconds())})
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, body)
	}
}

// writeTokenError answers a refused token request.
func writeTokenError(w http.ResponseWriter, status, msg string) {
	body, _ := json.Marshal(map[string]any{"status": status, "message": msg, "correlationId": newUUID()})
	writeJSON(w, http.StatusBadRequest, body)
}
