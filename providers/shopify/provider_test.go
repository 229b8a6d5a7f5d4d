package shopify

import (
	"net/http"
	"testing"

	"github.com/sequinsync/sequin/providers"
)

func TestNormalizeShop(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"acme":                               "acme.myshopify.com",
		"Acme.myshopify.com":                 "acme.myshopify.com",
		" https://acme.myshopify.com/admin ": "acme.myshopify.com",
		"http://acme-2.myshopify.com?x=1":    "acme-2.myshopify.com",
	} {
		if got, err := normalizeShop(in); err != nil || got != want {
			t.Errorf("normalizeShop(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "evil.com", "acme.myshopify.com.evil.com", "-acme.myshopify.com", "a b.myshopify.com", "acme.myshopify.com@evil.com"} {
		if got, err := normalizeShop(bad); err == nil {
			t.Errorf("normalizeShop(%q) = %q, want an error", bad, got)
		}
	}
}

func TestAuthenticateValidatesCredential(t *testing.T) {
	t.Parallel()
	p := New()
	for name, cred := range map[string]providers.Credential{
		"unknown kind":    {Kind: "shopify_key", Properties: map[string]any{"access_token": testToken, "shop": testShop}},
		"no access_token": {Kind: KindOAuth2, Properties: map[string]any{"shop": testShop}},
		"no shop":         {Kind: KindOAuth2, Properties: map[string]any{"access_token": testToken}},
		"foreign shop":    {Kind: KindCustomApp, Properties: map[string]any{"access_token": testToken, "shop": "shop.example.com"}},
	} {
		if _, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, kind := range []string{KindOAuth2, KindCustomApp} {
		k, ok := p.Spec().Find(kind)
		if !ok {
			t.Fatalf("kind %s not declared", kind)
		}
		required := map[string]bool{}
		for _, f := range k.Fields {
			required[f.Name] = f.Required
		}
		if !required["access_token"] || !required["shop"] {
			t.Errorf("%s: access_token and shop must be required: %+v", kind, k.Fields)
		}
		cred := providers.Credential{Kind: kind, Properties: map[string]any{"access_token": testToken, "shop": "acme"}}
		if _, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, nil); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}
