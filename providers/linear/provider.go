// Package linear syncs Linear (issues, projects, teams, users, comments and cycles) through its GraphQL
// API: backfills page through Relay connections, changes are read with an updatedAt filter ordered
// by updatedAt and including archived entities (an archived or trashed entity is reported as
// deleted), issues are created, updated and deleted with a client-chosen id so that a retried create
// never makes two, and webhooks are verified by their Linear-Signature.
package linear

import (
	"context"
	"errors"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "linear:<name>".
const Name = "linear"

// The credential kinds.
const (
	// KindAPIKey is a personal API key (lin_api_...), sent as the Authorization header as it is.
	KindAPIKey = "linear_api_key"
	// KindOAuth2 is an OAuth application's access token, sent as a bearer token, with the refresh
	// token and client credentials needed to renew it when the application issues expiring tokens.
	KindOAuth2 = "linear_oauth2"
)

// Provider is the Linear provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the Linear provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

var _ providers.WebhookVerifier = (*Provider)(nil)

// Spec describes Linear: its credential kinds and a safe fraction of its request budget. Linear
// publishes 2,500 requests an hour per user for API keys and 5,000 for OAuth applications, besides an
// hourly complexity budget; its answers carry the live figures in X-RateLimit-* headers, which the
// error classification reads when a budget runs out.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Linear",
		DefaultBaseURL: "https://api.linear.app",
		CredentialKinds: []providers.CredentialKind{
			{
				Kind:        KindAPIKey,
				Description: "A personal API key (Settings > Security & access), read access for syncing and write access for mutations. Set webhook_secret to a webhook's signing secret to receive its webhooks.",
				Fields: []providers.CredentialField{
					{Name: "api_key", Type: "string", Required: true, Secret: true, Description: "The personal API key (lin_api_...)."},
				},
			},
			{
				Kind:        KindOAuth2,
				Description: "An OAuth application's access token. Applications issuing expiring tokens also need the refresh token and the client credentials, with which the token is renewed and stored back.",
				Fields: []providers.CredentialField{
					{Name: "access_token", Type: "string", Required: true, Secret: true, Description: "The OAuth access token."},
					{Name: "refresh_token", Type: "string", Secret: true, Description: "The refresh token, for applications whose access tokens expire."},
					{Name: "client_id", Type: "string", Description: "The application's client id; required with refresh_token."},
					{Name: "client_secret", Type: "string", Secret: true, Description: "The application's client secret; required with refresh_token."},
					{Name: "expires_at", Type: "string", Description: "When access_token expires (RFC 3339); without it, a refreshable token is renewed before first use."},
				},
			},
		},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 375, IntervalMS: 600_000},
	}
}

// Collections lists the synced Linear collections.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate sends a personal API key as the Authorization header, or an OAuth access token as a
// bearer token, refreshed (and persisted through tokens) when the credential can refresh it.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	switch cred.Kind {
	case "", KindAPIKey:
		key := cred.String("api_key")
		if key == "" {
			return nil, errors.New("linear: credential has no api_key")
		}
		return &providers.HeaderAuth{Base: base, Header: "Authorization", Value: key}, nil
	case KindOAuth2:
		token := cred.String("access_token")
		if token == "" {
			return nil, errors.New("linear: a linear_oauth2 credential needs access_token")
		}
		if cred.String("refresh_token") == "" {
			return &providers.HeaderAuth{Base: base, Header: "Authorization", Value: "Bearer " + token}, nil
		}
		for _, f := range []string{"client_id", "client_secret"} {
			if cred.String(f) == "" {
				return nil, errors.New("linear: a linear_oauth2 credential with a refresh_token needs " + f)
			}
		}
		return newOAuthTransport(ctx, cred, base, tokens), nil
	default:
		return nil, errors.New("linear: unknown credential kind " + cred.Kind)
	}
}
