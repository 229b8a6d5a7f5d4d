package netsuite

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/netsuite/emulator"
)

func TestSignatureBase(t *testing.T) {
	u, _ := url.Parse("https://1234567-SB1.suitetalk.api.netsuite.com:443/services/rest/query/v1/suiteql?offset=0&limit=10")
	oauth := map[string]string{"oauth_consumer_key": "ck", "oauth_token": "tk", "oauth_nonce": "abc",
		"oauth_timestamp": "1700000000", "oauth_signature_method": "HMAC-SHA256", "oauth_version": "1.0"}
	want := "POST&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Fquery%2Fv1%2Fsuiteql&" +
		"limit%3D10%26oauth_consumer_key%3Dck%26oauth_nonce%3Dabc%26oauth_signature_method%3DHMAC-SHA256%26" +
		"oauth_timestamp%3D1700000000%26oauth_token%3Dtk%26oauth_version%3D1.0%26offset%3D0"
	if got := signatureBase("post", u, oauth); got != want {
		t.Errorf("signature base\n got %s\nwant %s", got, want)
	}
}

func TestSignatureMatchesVerifier(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:8080/services/rest/record/v1/customer/eid:sequin-mutation-1?q=email%20IS%20%22a%2Bb%40x.com%22&a=2&a=1")
	oauth := map[string]string{"oauth_consumer_key": "ck", "oauth_token": "tk", "oauth_nonce": "n0nce",
		"oauth_timestamp": "1700000000", "oauth_signature_method": "HMAC-SHA256", "oauth_version": "1.0"}
	got := sign(http.MethodPut, u, oauth, "c s&ecret", "t~secret")
	want := emulator.Signature(http.MethodPut, "http://127.0.0.1:8080"+u.EscapedPath(), u.Query(), oauth, "c s&ecret", "t~secret")
	if got != want {
		t.Errorf("signature %s, the verifier computes %s", got, want)
	}
}

func TestHeader(t *testing.T) {
	tr := &tbaTransport{realm: "1234567_SB1", consumerKey: "ck", consumerSecret: "cs", token: "tk", tokenSecret: "ts"}
	u, _ := url.Parse("https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql")
	h := tr.header(http.MethodPost, u, time.Unix(1700000000, 0), "abc")
	for _, part := range []string{`OAuth realm="1234567_SB1"`, `oauth_consumer_key="ck"`, `oauth_token="tk"`, `oauth_nonce="abc"`,
		`oauth_timestamp="1700000000"`, `oauth_signature_method="HMAC-SHA256"`, `oauth_version="1.0"`, `oauth_signature="`} {
		if !strings.Contains(h, part) {
			t.Errorf("header %s lacks %s", h, part)
		}
	}
	if strings.Contains(h, "cs") || strings.Contains(h, `"ts"`) {
		t.Errorf("header %s carries a secret", h)
	}
}

func TestEmulatorRefuses(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, emulatorOpts(1))
	sess := u.session(credential(testTokenSecret))
	c := New().Collections()[0]
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil {
		t.Fatalf("a correctly signed request was refused: %v", err)
	}
	send := func(mutate func(tr *tbaTransport)) int {
		t.Helper()
		tr := &tbaTransport{realm: testAccount, consumerKey: testConsumerKey, consumerSecret: testConsumerSecret, token: testTokenID, tokenSecret: testTokenSecret}
		mutate(tr)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, u.base+suiteqlPath, strings.NewReader(`{"q":"SELECT id FROM customer"}`))
		req.Header.Set("Prefer", "transient")
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send(func(*tbaTransport) {}); got != http.StatusOK {
		t.Fatalf("a signed request answered %d", got)
	}
	cases := map[string]func(tr *tbaTransport){
		"stale timestamp": func(tr *tbaTransport) { tr.now = func() time.Time { return time.Now().Add(-time.Hour) } },
		"wrong realm":     func(tr *tbaTransport) { tr.realm = "7654321" },
		"wrong secret":    func(tr *tbaTransport) { tr.consumerSecret = "nope" },
		"unknown token":   func(tr *tbaTransport) { tr.token = "nope" },
	}
	for name, m := range cases {
		if got := send(m); got != http.StatusUnauthorized {
			t.Errorf("%s: answered %d, want 401", name, got)
		}
	}
	fixed := func(tr *tbaTransport) { tr.nonce = func() string { return "same-nonce" } }
	ts := time.Now()
	replay := func(tr *tbaTransport) { fixed(tr); tr.now = func() time.Time { return ts } }
	if got := send(replay); got != http.StatusOK {
		t.Fatalf("first use of a nonce answered %d", got)
	}
	if got := send(replay); got != http.StatusUnauthorized {
		t.Errorf("a replayed nonce answered %d, want 401", got)
	}
}

func TestRealm(t *testing.T) {
	for in, want := range map[string]string{"1234567": "1234567", "1234567_sb1": "1234567_SB1", "1234567-SB1": "1234567_SB1"} {
		if got, err := realmOf(in); err != nil || got != want {
			t.Errorf("realmOf(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if h, _ := hostOf("1234567_SB1"); h != "1234567-sb1" {
		t.Errorf("hostOf = %q", h)
	}
	for _, in := range []string{"", "evil.com/x", "1234567_SB1_x", "a b"} {
		if _, err := realmOf(in); err == nil {
			t.Errorf("realmOf(%q) accepted a bad account id", in)
		}
	}
}
