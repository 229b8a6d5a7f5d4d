// Package shopify syncs a Shopify store through the Admin REST API (2024-07): products with their
// variants, customers, orders with their fulfillments, and inventory levels. Backfills follow the
// API's cursor pagination (page_info in Link headers, 250 objects a page); changes are polled with
// updated_at_min and an overlap window; product and order deletes come from the Events API
// (verb=destroy), other deletes from the engine's sweep; requests are paced by the leaky bucket's
// fill (X-Shopify-Shop-Api-Call-Limit); writes go through the REST endpoints, and webhooks are
// verified with their HMAC.
package shopify

import (
	"context"
	"errors"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "shopify:<name>".
const Name = "shopify"

// APIVersion is the Admin API version every request names in its path, so object shapes do not
// change under a sync when Shopify releases a new version.
const APIVersion = "2024-07"

// The credential kinds. Both carry an Admin API access token and the shop it belongs to; they differ
// only in how the token was obtained.
const (
	// KindOAuth2 is the offline access token a public or custom app obtained through Shopify's
	// OAuth flow (shpca_... or shpat_...).
	KindOAuth2 = "shopify_oauth2"
	// KindCustomApp is the Admin API access token of a custom app created in the shop's admin
	// (shpat_...).
	KindCustomApp = "shopify_custom_app"
)

// Provider is the Shopify provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the Shopify provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

var _ providers.WebhookVerifier = (*Provider)(nil)

// credentialFields are the properties of both credential kinds.
var credentialFields = []providers.CredentialField{
	{Name: "access_token", Type: "string", Required: true, Secret: true, Description: "The Admin API access token."},
	{Name: "shop", Type: "string", Required: true, Description: "The shop's myshopify domain, e.g. acme.myshopify.com."},
}

// Spec describes Shopify. The REST Admin API's standard limit is a leaky bucket of 40 requests
// leaking 2 per second per app and store; the default budget is that leak rate, so the bucket never
// fills, with a few requests in flight.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Shopify",
		DefaultBaseURL: "https://" + shopPlaceholder + "/admin/api/" + APIVersion,
		CredentialKinds: []providers.CredentialKind{
			{Kind: KindOAuth2, Description: "An offline access token obtained through Shopify's OAuth flow, with the read_ scopes of the synced collections (and write_ scopes for mutations).", Fields: credentialFields},
			{Kind: KindCustomApp, Description: "The Admin API access token of a custom app installed in the shop's admin.", Fields: credentialFields},
		},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 2, IntervalMS: 1000, MaxConcurrentRequests: 4},
	}
}

// Collections lists the synced Shopify resources.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate sends the access token in X-Shopify-Access-Token and paces requests by the bucket's
// fill that Shopify reports (see bucket.go). The shop must be a myshopify.com domain: the default
// base URL is built from it.
func (*Provider) Authenticate(_ context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	switch cred.Kind {
	case "", KindOAuth2, KindCustomApp:
	default:
		return nil, errors.New("shopify: unknown credential kind " + cred.Kind)
	}
	token := cred.String("access_token")
	if token == "" {
		return nil, errors.New("shopify: credential has no access_token")
	}
	if _, err := normalizeShop(cred.String("shop")); err != nil {
		return nil, err
	}
	return newBucketPacer(&providers.HeaderAuth{Base: base, Header: "X-Shopify-Access-Token", Value: token}), nil
}
