package stripe

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

const testSecret = "whsec_test_secret"

func signedHeader(secret string, t time.Time, body []byte, extra ...string) http.Header {
	parts := append([]string{fmt.Sprintf("t=%d", t.Unix()), "v1=" + hex.EncodeToString(sign(secret, t.Unix(), body))}, extra...)
	return http.Header{"Stripe-Signature": {strings.Join(parts, ",")}}
}

func event(typ, id string) []byte {
	return []byte(`{"id":"evt_1","object":"event","type":"` + typ + `","created":1700000000,"data":{"object":{"id":"` + id + `","object":"x"}}}`)
}

func TestVerifyWebhook(t *testing.T) {
	p := New().(providers.WebhookVerifier)
	now := time.Unix(1700000100, 0)
	tests := []struct {
		typ, id string
		want    []providers.WebhookNotice
	}{
		{"customer.updated", "cus_1", []providers.WebhookNotice{{CollectionID: "stripe:customer", UpstreamID: "cus_1"}}},
		{"customer.deleted", "cus_1", []providers.WebhookNotice{{CollectionID: "stripe:customer", UpstreamID: "cus_1", Deleted: true}}},
		{"customer.subscription.deleted", "sub_1", []providers.WebhookNotice{{CollectionID: "stripe:subscription", UpstreamID: "sub_1"}}},
		{"charge.dispute.created", "dp_1", []providers.WebhookNotice{{CollectionID: "stripe:dispute", UpstreamID: "dp_1"}}},
		{"charge.refund.updated", "re_1", []providers.WebhookNotice{{CollectionID: "stripe:refund", UpstreamID: "re_1"}}},
		{"coupon.deleted", "SAVE10", []providers.WebhookNotice{{CollectionID: "stripe:coupon", UpstreamID: "SAVE10", Deleted: true}}},
		{"account.updated", "acct_1", nil},
		{"invoice.upcoming", "in_1", nil},
	}
	for _, tt := range tests {
		body := event(tt.typ, tt.id)
		got, err := p.VerifyWebhook(signedHeader(testSecret, now, body), body, testSecret, now)
		if err != nil {
			t.Errorf("%s: %v", tt.typ, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: notices %+v, want %+v", tt.typ, got, tt.want)
		}
	}
}

func TestVerifyWebhookRejects(t *testing.T) {
	p := New().(providers.WebhookVerifier)
	now := time.Unix(1700000100, 0)
	body := event("customer.updated", "cus_1")
	good := signedHeader(testSecret, now, body)
	cases := map[string]struct {
		header http.Header
		body   []byte
		secret string
		now    time.Time
	}{
		"tampered body":   {good, event("customer.updated", "cus_2"), testSecret, now},
		"wrong secret":    {good, body, "whsec_other", now},
		"too old":         {good, body, testSecret, now.Add(SignatureTolerance + time.Second)},
		"from the future": {good, body, testSecret, now.Add(-SignatureTolerance - time.Second)},
		"no header":       {http.Header{}, body, testSecret, now},
		"no secret":       {good, body, "", now},
		"v0 only":         {http.Header{"Stripe-Signature": {fmt.Sprintf("t=%d,v0=%x", now.Unix(), sign(testSecret, now.Unix(), body))}}, body, testSecret, now},
		"other timestamp": {http.Header{"Stripe-Signature": {fmt.Sprintf("t=%d,v1=%x", now.Unix()+1, sign(testSecret, now.Unix(), body))}}, body, testSecret, now},
	}
	for name, c := range cases {
		if _, err := p.VerifyWebhook(c.header, c.body, c.secret, c.now); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
}

func TestVerifyWebhookSecretRoll(t *testing.T) {
	p := New().(providers.WebhookVerifier)
	now := time.Unix(1700000100, 0)
	body := event("product.created", "prod_1")
	// While a secret is rolled Stripe signs with both; either secret verifies. Unknown schemes and a
	// malformed v1 are ignored.
	h := fmt.Sprintf("t=%d, v1=%x ,v1=%x,v0=abc,v9=zz,v1=nothex", now.Unix(), sign("whsec_old", now.Unix(), body), sign("whsec_new", now.Unix(), body))
	for _, secret := range []string{"whsec_old", "whsec_new"} {
		if _, err := p.VerifyWebhook(http.Header{"Stripe-Signature": {h}}, body, secret, now); err != nil {
			t.Errorf("secret %s: %v", secret, err)
		}
	}
}

func TestVerifyWebhookMalformedEvent(t *testing.T) {
	p := New().(providers.WebhookVerifier)
	now := time.Now()
	for _, body := range [][]byte{[]byte(`{"type":"customer.updated","data":{}}`), []byte(`not json`)} {
		_, err := p.VerifyWebhook(signedHeader(testSecret, now, body), body, testSecret, now)
		if !providers.IsMalformed(err) {
			t.Errorf("%s: %v, want malformed", body, err)
		}
	}
}

func TestParseSignatureHeader(t *testing.T) {
	mac := strings.Repeat("ab", 32)
	good := []string{"t=1,v1=" + mac, "v1=" + mac + ",t=5", "t=1, v1=" + mac + ", v1=" + mac + ", v0=" + mac, "t=1,v1=" + mac + ",scheme=x"}
	for _, h := range good {
		if _, err := parseSignatureHeader(h); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
	bad := []string{"", " ", "t=1", "v1=" + mac, "t=1,t=2,v1=" + mac, "t=x,v1=" + mac, "t=-1,v1=" + mac, "t=1,v1=abc", "t=1,,v1=" + mac,
		"t=1;v1=" + mac, "t=1,v1=" + mac + "," + strings.Repeat("x", maxSignatureHeader), "=1,v1=" + mac}
	for _, h := range bad {
		if s, err := parseSignatureHeader(h); err == nil {
			t.Errorf("%q parsed as %+v", clip(h), s)
		}
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	mac := strings.Repeat("0f", 32)
	for _, s := range []string{
		"t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
		"t=1,v1=" + mac, "t=1,v1=" + mac + ",v1=" + mac, "", "t=", "v1=", "t=1,v1=zz", "t=99999999999999999999,v1=" + mac, ",,,", "t=1 , v1=" + mac,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		sig, err := parseSignatureHeader(h)
		if err != nil {
			if !errors.Is(err, ErrSignature) {
				t.Fatalf("error %v does not wrap ErrSignature", err)
			}
			return
		}
		if sig.Timestamp <= 0 || len(sig.V1) == 0 {
			t.Fatalf("accepted %q as %+v", h, sig)
		}
		for _, m := range sig.V1 {
			if len(m) != 32 {
				t.Fatalf("accepted a %d-byte v1 signature from %q", len(m), h)
			}
		}
		// Verification of whatever parsed never panics and never accepts an unrelated secret.
		body := []byte(`{}`)
		_, err = New().(providers.WebhookVerifier).VerifyWebhook(http.Header{"Stripe-Signature": {h}}, body, "whsec_fuzz", time.Unix(sig.Timestamp, 0))
		if err == nil {
			want := sign("whsec_fuzz", sig.Timestamp, body)
			found := false
			for _, m := range sig.V1 {
				found = found || string(m) == string(want)
			}
			if !found {
				t.Fatalf("verified %q without a matching signature", h)
			}
		}
	})
}
