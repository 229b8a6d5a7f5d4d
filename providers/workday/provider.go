// Package workday syncs Workday workers, organizations and positions through the REST API: backfills
// by limit/offset pages, follows changes through a RaaS custom report with an Updated_From prompt when
// the sync names one (otherwise by listing everything again), and authenticates with an API client's
// OAuth2 refresh token at the tenant's token endpoint. Workday's REST API offers no simple, safe write
// of these objects (hires, job changes and reorganizations are business processes), so the collections
// accept no mutations.
package workday

import (
	"context"
	"errors"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "workday:<collection>".
const Name = "workday"

// KindOAuth2 is an API client registered in the tenant (Register API Client for Integrations) with a
// refresh token issued to its integration system user.
const KindOAuth2 = "workday_oauth2"

// Provider is the Workday provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the Workday provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

// Spec describes Workday. Workday publishes no request limit for REST; tenants are observed to throttle
// at about ten requests per second, so the default budget stays below that with few requests in flight.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Workday",
		DefaultBaseURL: hostPlaceholder,
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindOAuth2,
			Description: "An API client for integrations (View API Clients shows its endpoints) and a refresh token of its integration system user.",
			Fields: []providers.CredentialField{
				{Name: "tenant_url", Type: "string", Required: true,
					Description: "The tenant's REST API endpoint from View API Clients, e.g. https://wd2-impl-services1.workday.com/ccx/api/v1/acme."},
				{Name: "client_id", Type: "string", Required: true, Description: "The API client's id."},
				{Name: "client_secret", Type: "string", Required: true, Secret: true, Description: "The API client's secret."},
				{Name: "refresh_token", Type: "string", Required: true, Secret: true, Description: "A refresh token issued to the integration system user."},
				{Name: "access_token", Type: "string", Secret: true, Description: "A current access token, if one is at hand."},
			},
		}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 8, IntervalMS: 1000, MaxConcurrentRequests: 4},
	}
}

// Collections lists the synced collections.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate exchanges the credential's refresh token for access tokens (persisted through tokens)
// at the tenant's token endpoint, <host>/ccx/oauth2/<tenant>/token.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindOAuth2 {
		return nil, errors.New("workday: unknown credential kind " + cred.Kind)
	}
	t, err := parseTenantURL(cred.String("tenant_url"))
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"client_id", "client_secret", "refresh_token"} {
		if cred.String(f) == "" {
			return nil, errors.New("workday: a workday_oauth2 credential needs " + f)
		}
	}
	return newOAuthTransport(ctx, cred, t.name, base, tokens), nil
}
