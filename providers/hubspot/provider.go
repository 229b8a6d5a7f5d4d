// Package hubspot syncs HubSpot CRM objects (contacts, companies, deals, tickets, line items, owners
// and pipelines) through the CRM v3 API: backfills by after-token paging, follows changes through the
// search endpoints (filtered and sorted by the last-modified date, with deletes from the archived
// listing), applies mutations with a unique creation key so a retried create never makes two objects,
// and verifies signed webhooks.
package hubspot

import (
	"context"
	"errors"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "hubspot:<name>".
const Name = "hubspot"

// The credential kinds.
const (
	// KindPrivateApp is a private app's access token (pat-...), sent as a bearer token.
	KindPrivateApp = "hubspot_private_app"
	// KindOAuth2 is a public app installed in an account (hub): its refresh token and client
	// credentials, exchanged for short-lived access tokens at <base>/oauth/v1/token.
	KindOAuth2 = "hubspot_oauth2"
)

// Provider is the HubSpot provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the HubSpot provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

var _ providers.WebhookVerifier = (*Provider)(nil)

// Spec describes HubSpot: its credential kinds and a safe fraction of its published burst limit (100
// requests per 10 seconds for a private app on the lowest tier, 110 for an OAuth app; higher tiers
// allow more).
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "HubSpot",
		DefaultBaseURL: "https://api.hubapi.com",
		CredentialKinds: []providers.CredentialKind{
			{
				Kind:        KindPrivateApp,
				Description: "A private app's access token with the crm.objects.*.read scopes (and .write for mutations), crm.objects.owners.read and the pipelines' object scopes. Set webhook_secret to the app's client secret to receive webhooks.",
				Fields: []providers.CredentialField{
					{Name: "access_token", Type: "string", Required: true, Secret: true, Description: "The private app's access token (pat-...)."},
				},
			},
			{
				Kind:        KindOAuth2,
				Description: "A public app installed in the account: its refresh token and client credentials. The client secret also verifies the app's webhooks (set webhook_secret to it).",
				Fields: []providers.CredentialField{
					{Name: "refresh_token", Type: "string", Required: true, Secret: true, Description: "The refresh token the app received when it was installed."},
					{Name: "hub_id", Type: "string", Required: true, Description: "The id of the account (hub) the app is installed in."},
					{Name: "client_id", Type: "string", Required: true, Description: "The app's client id."},
					{Name: "client_secret", Type: "string", Required: true, Secret: true, Description: "The app's client secret."},
					{Name: "access_token", Type: "string", Secret: true, Description: "A current access token, if one is at hand; refreshed tokens are stored here."},
					{Name: "expires_at", Type: "string", Description: "When access_token expires (RFC 3339); without it the token is refreshed before first use."},
				},
			},
		},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 90, IntervalMS: 10_000},
	}
}

// Collections lists the synced HubSpot collections.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate sends a private app's token as a bearer token, or for OAuth credentials exchanges the
// refresh token for access tokens (persisted through tokens) at the token endpoint of the API the
// requests go to.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	switch cred.Kind {
	case "", KindPrivateApp:
		token := cred.String("access_token")
		if token == "" {
			return nil, errors.New("hubspot: credential has no access_token")
		}
		return &providers.HeaderAuth{Base: base, Header: "Authorization", Value: "Bearer " + token}, nil
	case KindOAuth2:
		for _, f := range []string{"refresh_token", "hub_id", "client_id", "client_secret"} {
			if cred.String(f) == "" {
				return nil, errors.New("hubspot: a hubspot_oauth2 credential needs " + f)
			}
		}
		return newOAuthTransport(ctx, cred, base, tokens), nil
	default:
		return nil, errors.New("hubspot: unknown credential kind " + cred.Kind)
	}
}
