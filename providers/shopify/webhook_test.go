package shopify

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/shopify/emulator"
)

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	const secret = "shpss_webhook_test"
	now := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	p := &Provider{}
	signed := func(topic, body string) http.Header {
		return emulator.WebhookHeader(secret, testShop, topic, []byte(body), now)
	}
	for _, tc := range []struct {
		topic, body string
		want        []providers.WebhookNotice
	}{
		{"products/update", `{"id":632910392,"title":"IPod Nano"}`, []providers.WebhookNotice{{CollectionID: "shopify:products", UpstreamID: "632910392"}}},
		{"products/delete", `{"id":632910392}`, []providers.WebhookNotice{{CollectionID: "shopify:products", UpstreamID: "632910392", Deleted: true}}},
		{"customers/create", `{"id":207119551,"email":"bob@example.com"}`, []providers.WebhookNotice{{CollectionID: "shopify:customers", UpstreamID: "207119551"}}},
		{"orders/updated", `{"id":450789469,"name":"#1001"}`, []providers.WebhookNotice{{CollectionID: "shopify:orders", UpstreamID: "450789469"}}},
		{"orders/edited", `{"order_edit":{"id":1,"order_id":450789469}}`, []providers.WebhookNotice{{CollectionID: "shopify:orders", UpstreamID: "450789469"}}},
		{"fulfillments/create", `{"id":255858046,"order_id":450789469}`, []providers.WebhookNotice{{CollectionID: "shopify:orders", UpstreamID: "450789469"}}},
		{"inventory_levels/update", `{"inventory_item_id":808950810,"location_id":905684977,"available":6}`,
			[]providers.WebhookNotice{{CollectionID: "shopify:inventory_levels", UpstreamID: "808950810:905684977"}}},
		{"inventory_levels/disconnect", `{"inventory_item_id":808950810,"location_id":905684977}`,
			[]providers.WebhookNotice{{CollectionID: "shopify:inventory_levels", UpstreamID: "808950810:905684977", Deleted: true}}},
		{"app/uninstalled", `{"id":1}`, nil},
	} {
		got, err := p.VerifyWebhook(signed(tc.topic, tc.body), []byte(tc.body), secret, now)
		if err != nil {
			t.Errorf("%s: %v", tc.topic, err)
			continue
		}
		if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
			t.Errorf("%s: notices %+v, want %+v", tc.topic, got, tc.want)
		}
	}

	// A retry Shopify delivers hours later keeps its original trigger time and is still accepted.
	body := `{"id":632910392}`
	if _, err := p.VerifyWebhook(signed("products/update", body), []byte(body), secret, now.Add(4*time.Hour)); err != nil {
		t.Errorf("a delivery retried after four hours was refused: %v", err)
	}

	for name, tc := range map[string]struct {
		header http.Header
		body   string
		secret string
	}{
		"tampered body":  {signed("products/update", body), `{"id":632910393}`, secret},
		"wrong secret":   {signed("products/update", body), body, secret + "x"},
		"no secret":      {signed("products/update", body), body, ""},
		"no signature":   {http.Header{"X-Shopify-Topic": {"products/update"}}, body, secret},
		"not base64":     {http.Header{"X-Shopify-Hmac-Sha256": {"%%%"}}, body, secret},
		"short hmac":     {http.Header{"X-Shopify-Hmac-Sha256": {"YWJj"}}, body, secret},
		"huge header":    {http.Header{"X-Shopify-Hmac-Sha256": {strings.Repeat("A", 1000)}}, body, secret},
		"hex not base64": {http.Header{"X-Shopify-Hmac-Sha256": {strings.Repeat("ab", 32)}}, body, secret},
	} {
		if _, err := p.VerifyWebhook(tc.header, []byte(tc.body), tc.secret, now); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v, want a signature error", name, err)
		}
	}

	// A correctly signed body that names no object is malformed, not a signature failure.
	for _, bad := range []string{`{"title":"no id"}`, `{"id":"abc"}`, `[1,2]`, `{"id":`} {
		_, err := p.VerifyWebhook(signed("products/update", bad), []byte(bad), secret, now)
		if !providers.IsMalformed(err) {
			t.Errorf("body %s: %v, want a malformed error", bad, err)
		}
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add(emulator.Sign("s", []byte("{}")))
	f.Add("")
	f.Add("YWJj")
	f.Fuzz(func(t *testing.T, h string) {
		mac, err := parseSignature(h)
		if err == nil && len(mac) != 32 {
			t.Fatalf("parseSignature(%q) accepted %d bytes", h, len(mac))
		}
	})
}
