package shopify

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/shopify/emulator"
)

const (
	testShop          = "sequin-test.myshopify.com"
	testToken         = "shpat_00000000000000000000000000000001"
	testRefused       = "shpat_99999999999999999999999999999999"
	testWebhookSecret = "shpss_test_webhook_secret"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Harness{
		Provider:    New(),
		NewUpstream: newUpstream,
		Collections: []string{
			"shopify:products", "shopify:variants", "shopify:customers", "shopify:orders",
			"shopify:fulfillments", "shopify:inventory_levels",
		},
		// 510 objects make three pages of 250 (Shopify's page size) for every collection.
		BackfillSeed:       510,
		MutationCollection: "shopify:products",
		SampleCreate: map[string]any{"title": "Sequin Test Tee", "vendor": "Sequin", "product_type": "Shirts",
			"status": "draft", "tags": "sequin, test"},
		SampleUpdate:  map[string]any{"title": "Sequin Test Tee (v2)", "status": "active", "body_html": "<p>Soft.</p>"},
		WebhookSecret: testWebhookSecret,
		// Shopify's HMAC covers the body only; no signed time can be checked.
		WebhookUntimed: true,
	})
}

// upstream drives an emulator for the conformance suite.
type upstream struct {
	t    *testing.T
	srv  *emulator.Server
	base string
}

var _ providertest.Upstream = (*upstream)(nil)

func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	t.Helper()
	srv := emulator.New(emulator.Config{Seed: opts.Seed, Shop: testShop, AccessTokens: []string{testToken},
		RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow, WebhookSecret: testWebhookSecret})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u := &upstream{t: t, srv: srv, base: base}
	return u.session(testToken), u
}

// session builds a session as the engine does, with the sync's base_url pointing at the emulator.
func (u *upstream) session(token string) *providers.Session {
	p := New()
	cred := providers.Credential{ID: "cred-test", Kind: KindCustomApp, Properties: map[string]any{"access_token": token, "shop": testShop}}
	rt, err := p.Authenticate(context.Background(), cred, http.DefaultTransport, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync-test",
		Client:     &providers.Client{BaseURL: u.base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{"base_url": u.base},
	}
}

func name(collectionID string) string { return strings.TrimPrefix(collectionID, Name+":") }

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	obj, err := u.srv.Create(name(collectionID), data)
	if err != nil {
		return "", err
	}
	return emulator.ObjectID(name(collectionID), obj), nil
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	_, err := u.srv.Update(name(collectionID), id, data)
	return err
}

func (u *upstream) Delete(collectionID, id string) error { return u.srv.Delete(name(collectionID), id) }

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(name(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	return u.srv.Object(name(collectionID), id)
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Status: f.Status, RetryAfter: f.RetryAfter, Body: string(f.Body),
		AfterApply: f.AfterApply, Count: f.Count})
}

func (u *upstream) RefusedSession() *providers.Session { return u.session(testRefused) }

func (u *upstream) Requests() int { return len(u.srv.Requests()) }

// SignedWebhook signs the update webhook Shopify sends about an object. Variants have no topic of
// their own (they arrive as products/update) and fulfillment topics re-fetch the order, so neither
// is a webhook about its own collection.
func (u *upstream) SignedWebhook(collectionID, id string, at time.Time) (http.Header, []byte) {
	switch name(collectionID) {
	case "variants", "fulfillments":
		return nil, nil
	}
	h, body, err := u.srv.SignedWebhook(name(collectionID), id, at)
	if err != nil {
		return nil, nil
	}
	return h, body
}
