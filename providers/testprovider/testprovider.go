// Package testprovider is a small provider with no upstream, for tests of the SQL surface and the
// control plane that must not depend on a real API's catalogue.
package testprovider

import (
	"context"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Provider is the "acme" test provider.
type Provider struct{}

// New returns the test provider.
func New() *Provider { return &Provider{} }

// Spec describes acme: two credential kinds and a default budget.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name: "acme", DisplayName: "Acme (test)", DefaultBaseURL: "http://127.0.0.1:1",
		CredentialKinds: []providers.CredentialKind{
			{Kind: "acme_key", Fields: []providers.CredentialField{
				{Name: "api_key", Type: "string", Required: true, Secret: true},
				{Name: "region", Type: "string"},
				{Name: "test", Type: "boolean"},
			}},
			{Kind: "acme_oauth2", Fields: []providers.CredentialField{
				{Name: "refresh_token", Type: "string", Required: true, Secret: true},
				{Name: "account_id", Type: "string", Required: true},
			}},
		},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 50, IntervalMS: 1000},
		TestRateLimit:    &providers.RateLimit{AllowedRequests: 5, IntervalMS: 1000, MaxConcurrentRequests: 2},
	}
}

// Collections are widget and gadget; both are empty upstream.
func (*Provider) Collections() []*providers.Collection {
	empty := func(context.Context, *providers.Session, string) (*providers.Page, error) {
		return &providers.Page{Done: true, Total: 0}, nil
	}
	return []*providers.Collection{
		{ID: "acme:widget", Name: "widget", Deletes: providers.DeletesBySweep, Backfill: empty,
			Fields: []providers.Field{{Name: "name", Type: "text"}, {Name: "price", Type: "numeric"}}},
		{ID: "acme:gadget", Name: "gadget", Deletes: providers.DeletesNone, Backfill: empty,
			Fields: []providers.Field{{Name: "label", Type: "text"}}},
	}
}

// Authenticate sends the API key as a bearer token.
func (*Provider) Authenticate(_ context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	return &providers.HeaderAuth{Base: base, Header: "Authorization", Value: "Bearer " + cred.String("api_key")}, nil
}

// ClassifyError uses the default status classification.
func (*Provider) ClassifyError(status int, header http.Header, body []byte) *providers.Error {
	return providers.ClassifyStatus(status, header, "", string(body))
}
