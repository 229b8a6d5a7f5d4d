package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// loginFailed is NetSuite's message for any refused token-based login.
const loginFailed = "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail."

// timestampWindow is how far an oauth_timestamp may be from the server's clock.
const timestampWindow = 5 * time.Minute

// verifyTBA checks a token-based authentication header: OAuth 1.0a with realm set to the account
// id, HMAC-SHA256 signatures over the method, the URL without its query and the sorted, encoded
// query and oauth_ parameters, keyed with the consumer secret and token secret. It returns why a
// request is refused, or "".
func (s *Server) verifyTBA(r *http.Request) string {
	params, ok := parseOAuthHeader(r.Header.Get("Authorization"))
	if !ok {
		return "no OAuth authorization header"
	}
	if !strings.EqualFold(params["realm"], s.cfg.Account) {
		return "realm does not name this account"
	}
	if params["oauth_signature_method"] != "HMAC-SHA256" {
		return "unsupported signature method"
	}
	if v, ok := params["oauth_version"]; ok && v != "1.0" {
		return "unsupported OAuth version"
	}
	consumerSecret, ok := s.cfg.Consumers[params["oauth_consumer_key"]]
	if !ok {
		return "unknown consumer key"
	}
	tokenSecret, ok := s.cfg.Tokens[params["oauth_token"]]
	if !ok {
		return "unknown token"
	}
	ts, err := strconv.ParseInt(params["oauth_timestamp"], 10, 64)
	if err != nil || time.Unix(ts, 0).Sub(s.cfg.Now()).Abs() > timestampWindow {
		return "timestamp outside the allowed window"
	}
	nonce := params["oauth_nonce"]
	if nonce == "" {
		return "no nonce"
	}
	want := Signature(r.Method, "http://"+r.Host+r.URL.EscapedPath(), r.URL.Query(), params, consumerSecret, tokenSecret)
	if !hmac.Equal([]byte(want), []byte(params["oauth_signature"])) {
		return "signature does not match"
	}
	key := params["oauth_consumer_key"] + "\x00" + params["oauth_token"] + "\x00" + params["oauth_timestamp"] + "\x00" + nonce
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces[key] {
		return "nonce already used"
	}
	s.nonces[key] = true
	return ""
}

// parseOAuthHeader reads `OAuth realm="...", oauth_consumer_key="...", ...`, percent-decoding values.
func parseOAuthHeader(h string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, false
		}
		dv, err := url.PathUnescape(v[1 : len(v)-1])
		if err != nil {
			return nil, false
		}
		out[k] = dv
	}
	return out, true
}

// Signature computes the oauth_signature of a request as NetSuite verifies it.
func Signature(method, baseURL string, query url.Values, oauth map[string]string, consumerSecret, tokenSecret string) string {
	var pairs [][2]string
	for k, vs := range query {
		for _, v := range vs {
			pairs = append(pairs, [2]string{encode(k), encode(v)})
		}
	}
	for k, v := range oauth {
		if k == "realm" || k == "oauth_signature" {
			continue
		}
		pairs = append(pairs, [2]string{encode(k), encode(v)})
	}
	// Parameters sort by encoded name, then by encoded value.
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	joined := make([]string, len(pairs))
	for i, p := range pairs {
		joined[i] = p[0] + "=" + p[1]
	}
	base := strings.ToUpper(method) + "&" + encode(baseURL) + "&" + encode(strings.Join(joined, "&"))
	mac := hmac.New(sha256.New, []byte(encode(consumerSecret)+"&"+encode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// encode is RFC 3986 percent-encoding: everything but unreserved characters.
func encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
