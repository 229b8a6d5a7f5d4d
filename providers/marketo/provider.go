// Package marketo syncs a Marketo Engage instance through its REST API: leads (backfilled with bulk
// extract jobs, followed through lead-change and deleted-lead activities, written back with
// createOrUpdate syncs), marketing activities (paging tokens), programs (asset API, updatedAt filters)
// and static lists. It authenticates with an API-only user's client credentials against the instance's
// identity service and reads Marketo's in-body error codes, including the daily quota.
package marketo

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "marketo:<name>".
const Name = "marketo"

// KindClientCredentials is a Marketo API-only user's client id and secret, with the instance's REST
// endpoint and identity URLs (Admin > Web Services).
const KindClientCredentials = "marketo_client_credentials"

// endpointPlaceholder stands for the credential's REST endpoint in the default base URL.
const endpointPlaceholder = "https://{endpoint}"

// Provider is the Marketo provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the Marketo provider.
func New() providers.Provider { return &Provider{collections: buildCollections()} }

// Spec describes Marketo: 100 calls per 20 seconds and at most 10 concurrent calls per instance; the
// default keeps a margin. The daily quota (50,000 calls by default) surfaces as error 607.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Marketo",
		DefaultBaseURL: endpointPlaceholder,
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindClientCredentials,
			Description: "An API-only user's LaunchPoint service: client id and secret, and the instance's REST endpoint and identity URLs.",
			Fields: []providers.CredentialField{
				{Name: "endpoint_url", Type: "string", Required: true, Description: "The REST API endpoint, e.g. https://123-ABC-456.mktorest.com/rest."},
				{Name: "identity_url", Type: "string", Required: true, Description: "The identity endpoint, e.g. https://123-ABC-456.mktorest.com/identity."},
				{Name: "client_id", Type: "string", Required: true, Description: "The LaunchPoint service's client id."},
				{Name: "client_secret", Type: "string", Required: true, Secret: true, Description: "The LaunchPoint service's client secret."},
			},
		}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 90, IntervalMS: 20_000, MaxConcurrentRequests: 8},
	}
}

// Collections lists the synced Marketo objects.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// checkURL validates a credential URL property.
func checkURL(cred providers.Credential, name string) (string, error) {
	v := strings.TrimRight(strings.TrimSpace(cred.String(name)), "/")
	u, err := url.Parse(v)
	if v == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("marketo: %s %q must be an absolute URL such as https://123-ABC-456.mktorest.com/%s", name, clip(v), strings.TrimSuffix(name, "_url"))
	}
	return v, nil
}

// Authenticate validates the credential and returns a transport that obtains access tokens from the
// identity service and reads Marketo's in-body errors.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindClientCredentials {
		return nil, fmt.Errorf("marketo: unknown credential kind %q", cred.Kind)
	}
	if _, err := checkURL(cred, "endpoint_url"); err != nil {
		return nil, err
	}
	identity, err := checkURL(cred, "identity_url")
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"client_id", "client_secret"} {
		if cred.String(f) == "" {
			return nil, fmt.Errorf("marketo: a %s credential needs %s", KindClientCredentials, f)
		}
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return newTransport(ctx, cred, identity+"/oauth/token", base), nil
}

// apiBase returns the instance's API root (without /rest): the sync's base_url when set, otherwise
// the credential's endpoint.
func apiBase(s *providers.Session) string {
	base := strings.TrimRight(s.Client.BaseURL, "/")
	if base == endpointPlaceholder || base == "" {
		base = strings.TrimRight(s.Credential.String("endpoint_url"), "/")
	}
	return strings.TrimSuffix(base, "/rest")
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
