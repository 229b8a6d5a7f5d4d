// Package stripe syncs Stripe objects (customers, subscriptions, invoices, charges, ...) through the
// Stripe REST API: backfills by cursor pagination, follows changes through the Events API, applies
// mutations with idempotency keys, and verifies signed webhooks.
package stripe

import (
	"context"
	"errors"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "stripe:<name>".
const Name = "stripe"

// APIVersion is the Stripe API version every request pins, so that object shapes do not change under
// a sync when the account's default version is upgraded.
const APIVersion = "2024-06-20"

// The credential kinds.
const (
	// KindKey is a secret (sk_...) or restricted (rk_...) API key of the account being synced.
	KindKey = "stripe_key"
	// KindOAuth2 is a Connect account: the platform's key (or the token obtained through Connect
	// OAuth) acting on behalf of the connected account named by account_id.
	KindOAuth2 = "stripe_oauth2"
)

// Provider is the Stripe provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the Stripe provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

var _ providers.WebhookVerifier = (*Provider)(nil)

// Spec describes Stripe: its credential kinds and safe fractions of its published rate limits
// (100 requests/s in live mode, 25 requests/s in test mode).
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Stripe",
		DefaultBaseURL: "https://api.stripe.com",
		CredentialKinds: []providers.CredentialKind{
			{
				Kind:        KindKey,
				Description: "A secret or restricted API key (sk_... or rk_...) with read access, and write access for mutations.",
				Fields: []providers.CredentialField{
					{Name: "secret", Type: "string", Required: true, Secret: true, Description: "The API key."},
					{Name: "test", Type: "boolean", Description: "True for a test-mode key (sk_test_...), which has a lower rate limit."},
				},
			},
			{
				Kind:        KindOAuth2,
				Description: "A Connect account: requests use the platform's secret key (or the access token Connect OAuth returned) and act on the connected account through the Stripe-Account header.",
				Fields: []providers.CredentialField{
					{Name: "secret", Type: "string", Required: true, Secret: true, Description: "The platform's secret key, or the connected account's access token."},
					{Name: "account_id", Type: "string", Required: true, Description: "The connected account's id (acct_...)."},
					{Name: "name", Type: "string", Description: "A human name for the connected account."},
					{Name: "test", Type: "boolean", Description: "True for test mode, which has a lower rate limit."},
				},
			},
		},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 90, IntervalMS: 1000},
		TestRateLimit:    &providers.RateLimit{AllowedRequests: 20, IntervalMS: 1000},
	}
}

// Collections lists the synced Stripe object types.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate sends the key as a bearer token, pins the API version, and for Connect credentials names
// the connected account in Stripe-Account.
func (*Provider) Authenticate(_ context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	secret := cred.String("secret")
	if secret == "" {
		return nil, errors.New("stripe: credential has no secret")
	}
	extra := map[string]string{"Stripe-Version": APIVersion}
	switch cred.Kind {
	case "", KindKey:
	case KindOAuth2:
		acct := cred.String("account_id")
		if acct == "" {
			return nil, errors.New("stripe: a stripe_oauth2 credential needs account_id")
		}
		extra["Stripe-Account"] = acct
	default:
		return nil, errors.New("stripe: unknown credential kind " + cred.Kind)
	}
	return &providers.HeaderAuth{Base: base, Header: "Authorization", Value: "Bearer " + secret, Extra: extra}, nil
}
