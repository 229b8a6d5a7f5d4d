package netsuite

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// tbaTransport signs requests with OAuth 1.0a as NetSuite's token-based authentication wants it:
// HMAC-SHA256, the account id as realm, and a fresh nonce and timestamp per request (so a retried
// request is signed anew).
type tbaTransport struct {
	base                        http.RoundTripper
	realm                       string
	consumerKey, consumerSecret string
	token, tokenSecret          string
	// now and nonce are replaceable in tests.
	now   func() time.Time
	nonce func() string
}

// RoundTrip signs a clone of r and sends it.
func (t *tbaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	now, nonce := time.Now, newNonce
	if t.now != nil {
		now = t.now
	}
	if t.nonce != nil {
		nonce = t.nonce
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", t.header(r.Method, r.URL, now(), nonce()))
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}

// header builds the Authorization header for a request.
func (t *tbaTransport) header(method string, u *url.URL, at time.Time, nonce string) string {
	params := map[string]string{
		"oauth_consumer_key":     t.consumerKey,
		"oauth_token":            t.token,
		"oauth_signature_method": "HMAC-SHA256",
		"oauth_timestamp":        strconv.FormatInt(at.Unix(), 10),
		"oauth_nonce":            nonce,
		"oauth_version":          "1.0",
	}
	params["oauth_signature"] = sign(method, u, params, t.consumerSecret, t.tokenSecret)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, `OAuth realm="%s"`, percent(t.realm))
	for _, k := range keys {
		fmt.Fprintf(&b, `,%s="%s"`, k, percent(params[k]))
	}
	return b.String()
}

// signatureBase is the OAuth 1.0a signature base string: the method, the URL without query or
// fragment (scheme and host in lower case, default port dropped), and every query and oauth_
// parameter, encoded and sorted by name then value.
func signatureBase(method string, u *url.URL, oauth map[string]string) string {
	var pairs [][2]string
	for k, vs := range u.Query() {
		for _, v := range vs {
			pairs = append(pairs, [2]string{percent(k), percent(v)})
		}
	}
	for k, v := range oauth {
		if k != "oauth_signature" && k != "realm" {
			pairs = append(pairs, [2]string{percent(k), percent(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p[0] + "=" + p[1]
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if scheme == "https" {
		host = strings.TrimSuffix(host, ":443")
	} else if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	}
	return strings.ToUpper(method) + "&" + percent(scheme+"://"+host+u.EscapedPath()) + "&" + percent(strings.Join(parts, "&"))
}

// sign returns the base64 HMAC-SHA256 of the signature base, keyed with both secrets.
func sign(method string, u *url.URL, oauth map[string]string, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha256.New, []byte(percent(consumerSecret)+"&"+percent(tokenSecret)))
	mac.Write([]byte(signatureBase(method, u, oauth)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percent is RFC 3986 encoding as OAuth 1.0a defines it: all but unreserved characters.
func percent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// newNonce returns 20 random alphanumeric characters.
func newNonce() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

var accountPattern = regexp.MustCompile(`^[0-9A-Za-z]+([_-][0-9A-Za-z]+)?$`)

// realmOf returns an account id as the realm of signatures: upper case, with an underscore before a
// sandbox suffix (1234567_SB1).
func realmOf(account string) (string, error) {
	a := strings.TrimSpace(account)
	if !accountPattern.MatchString(a) {
		return "", fmt.Errorf("netsuite: account_id %q is not an account id such as 1234567 or 1234567_SB1", clip(account))
	}
	return strings.ToUpper(strings.ReplaceAll(a, "-", "_")), nil
}

// hostOf returns an account id as it appears in host names: lower case, with a hyphen (1234567-sb1).
func hostOf(account string) (string, error) {
	r, err := realmOf(account)
	if err != nil {
		return "", err
	}
	return strings.ToLower(strings.ReplaceAll(r, "_", "-")), nil
}
