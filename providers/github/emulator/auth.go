package emulator

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// principal is who a request authenticated as.
type principal struct {
	// user is the account acting: the token's owner, or the app's bot for installation tokens.
	user *user
	// installation is set for installation access tokens.
	installation bool
	// app is set for requests signed with the app's JWT.
	app bool
}

// installationToken is an access token minted for the app's installation.
type installationToken struct {
	token   string
	expires time.Time
}

// credential extracts the token from "Authorization: Bearer <t>" or "Authorization: token <t>".
func credential(r *http.Request) string {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	for _, scheme := range []string{"bearer ", "token "} {
		if len(auth) > len(scheme) && strings.EqualFold(auth[:len(scheme)], scheme) {
			return strings.TrimSpace(auth[len(scheme):])
		}
	}
	return ""
}

// patPrefixes are the prefixes of personal access and OAuth tokens.
var patPrefixes = []string{"ghp_", "github_pat_", "gho_", "ghu_"}

// authenticate resolves the request's credential. JWTs are accepted only where wantJWT is set, as
// GitHub accepts them only on the app's own endpoints.
func (s *Server) authenticate(r *http.Request, wantJWT bool) (*principal, *Error) {
	tok := credential(r)
	if tok == "" {
		return nil, errRequiresAuth()
	}
	if strings.Count(tok, ".") == 2 {
		if !wantJWT {
			return nil, &Error{Status: http.StatusUnauthorized, Message: "'Authorization' header is malformed for this endpoint. A JSON web token can only be used to authenticate as a GitHub App."}
		}
		if e := s.verifyJWT(tok); e != nil {
			return nil, e
		}
		return &principal{user: s.st.bot, app: true}, nil
	}
	if wantJWT {
		return nil, &Error{Status: http.StatusUnauthorized, Message: "A JSON web token could not be decoded"}
	}
	if strings.HasPrefix(tok, "ghs_") {
		it := s.tokens[tok]
		if it == nil || !s.now().Before(it.expires) {
			return nil, errBadCredentials()
		}
		return &principal{user: s.st.bot, installation: true}, nil
	}
	if len(s.cfg.Tokens) > 0 {
		if slices.Contains(s.cfg.Tokens, tok) {
			return &principal{user: s.st.viewer}, nil
		}
		return nil, errBadCredentials()
	}
	for _, p := range patPrefixes {
		if strings.HasPrefix(tok, p) && len(tok) > len(p) {
			return &principal{user: s.st.viewer}, nil
		}
	}
	return nil, errBadCredentials()
}

// jwtClaims are the claims GitHub reads from an app's JWT.
type jwtClaims struct {
	Iat json.Number `json:"iat"`
	Exp json.Number `json:"exp"`
	Iss any         `json:"iss"`
}

// verifyJWT checks an app JWT the way GitHub does: RS256, signed by the app's key, issued by the app,
// expiring in the future but at most ten minutes after it was issued.
func (s *Server) verifyJWT(tok string) *Error {
	undecodable := &Error{Status: http.StatusUnauthorized, Message: "A JSON web token could not be decoded"}
	parts := strings.Split(tok, ".")
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return undecodable
	}
	var head struct {
		Alg string `json:"alg"`
	}
	var claims jwtClaims
	dec := json.NewDecoder(strings.NewReader(string(cb)))
	dec.UseNumber()
	if json.Unmarshal(hb, &head) != nil || dec.Decode(&claims) != nil || head.Alg != "RS256" {
		return undecodable
	}
	if s.cfg.AppPublicKey != nil {
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if rsa.VerifyPKCS1v15(s.cfg.AppPublicKey, crypto.SHA256, sum[:], sig) != nil {
			return undecodable
		}
	}
	iat, errIat := claims.Iat.Int64()
	exp, errExp := claims.Exp.Int64()
	now := s.cfg.Now().Unix()
	switch {
	case errIat != nil || errExp != nil:
		return undecodable
	case exp <= now:
		return &Error{Status: http.StatusUnauthorized, Message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"}
	case exp-iat > 600+60 || exp > now+600+60:
		return &Error{Status: http.StatusUnauthorized, Message: "'Expiration time' claim ('exp') is too far in the future"}
	case iat > now+60:
		return &Error{Status: http.StatusUnauthorized, Message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"}
	}
	iss := ""
	switch v := claims.Iss.(type) {
	case string:
		iss = v
	case json.Number:
		iss = v.String()
	}
	if iss != strconv.FormatInt(s.cfg.AppID, 10) {
		return &Error{Status: http.StatusUnauthorized, Message: "Integration not found"}
	}
	return nil
}

// mintInstallationToken answers POST /app/installations/{id}/access_tokens.
func (s *Server) mintInstallationToken(id string) response {
	if id != strconv.FormatInt(s.cfg.InstallationID, 10) {
		return errResponse(errNotFound())
	}
	b := make([]byte, 36)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	it := &installationToken{token: "ghs_" + string(b), expires: s.now().Add(s.cfg.InstallationTokenTTL)}
	for t, old := range s.tokens {
		if !s.now().Before(old.expires) {
			delete(s.tokens, t)
		}
	}
	s.tokens[it.token] = it
	return response{status: http.StatusCreated, body: mustJSON(map[string]any{
		"token": it.token, "expires_at": ts(it.expires), "repository_selection": "all",
		"permissions": map[string]string{"issues": "write", "metadata": "read", "contents": "read", "pull_requests": "read", "members": "read"},
	})}
}

// RevokeInstallationTokens invalidates every installation token, as revoking the app's access would.
func (s *Server) RevokeInstallationTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
