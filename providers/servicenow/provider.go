// Package servicenow syncs ServiceNow tables (incident, problem, change_request, sys_user, cmdb_ci)
// through the Table API: backfills by keyset pages over sys_id, follows changes with sys_updated_on
// queries and deletes through the delete audit (sys_audit_delete), and writes incidents, problems and
// changes back, idempotently through their correlation_id.
package servicenow

import (
	"context"
	"errors"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "servicenow:<table>".
const Name = "servicenow"

// The credential kinds.
const (
	// KindBasic is a user name and password sent with basic authentication, usually those of an
	// integration user with the rest_api_explorer, itil and audit-reading roles.
	KindBasic = "servicenow_basic"
	// KindOAuth2 is an OAuth application registry entry of the instance: its client id and secret and
	// a refresh token, exchanged for access tokens at <instance>/oauth_token.do.
	KindOAuth2 = "servicenow_oauth2"
)

// instanceField is the property holding the instance's URL in both kinds.
var instanceField = providers.CredentialField{Name: "instance_url", Type: "string", Required: true,
	Description: "The instance's URL, e.g. https://acme.service-now.com."}

// Provider is the ServiceNow provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the ServiceNow provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

// Spec describes ServiceNow. An instance has no published request limit (administrators set rate limit
// rules per user or role, and inbound REST requests share a handful of semaphores per node), so the
// default budget is modest and keeps few requests in flight.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "ServiceNow",
		DefaultBaseURL: instancePlaceholder,
		CredentialKinds: []providers.CredentialKind{
			{
				Kind:        KindBasic,
				Description: "An integration user's name and password. The user should have the UTC time zone, since encoded queries compare date-times in the user's zone.",
				Fields: []providers.CredentialField{
					instanceField,
					{Name: "username", Type: "string", Required: true, Description: "The user name."},
					{Name: "password", Type: "string", Required: true, Secret: true, Description: "The user's password."},
				},
			},
			{
				Kind:        KindOAuth2,
				Description: "An OAuth API endpoint registered in System OAuth > Application Registry, and a refresh token issued to the integration user.",
				Fields: []providers.CredentialField{
					instanceField,
					{Name: "client_id", Type: "string", Required: true, Description: "The application's client id."},
					{Name: "client_secret", Type: "string", Required: true, Secret: true, Description: "The application's client secret."},
					{Name: "refresh_token", Type: "string", Required: true, Secret: true, Description: "A refresh token of the integration user."},
					{Name: "access_token", Type: "string", Secret: true, Description: "A current access token, if one is at hand."},
				},
			},
		},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 20, IntervalMS: 1000, MaxConcurrentRequests: 4},
	}
}

// Collections lists the synced tables.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate sends basic credentials, or for OAuth credentials exchanges the refresh token for access
// tokens (persisted through tokens) at the instance's oauth_token.do.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	if _, err := normalizeInstance(cred.String("instance_url")); err != nil {
		return nil, err
	}
	switch cred.Kind {
	case "", KindBasic:
		user, pass := cred.String("username"), cred.String("password")
		if user == "" || pass == "" {
			return nil, errors.New("servicenow: a servicenow_basic credential needs username and password")
		}
		return &basicAuth{base: base, user: user, pass: pass}, nil
	case KindOAuth2:
		for _, f := range []string{"client_id", "client_secret", "refresh_token"} {
			if cred.String(f) == "" {
				return nil, errors.New("servicenow: a servicenow_oauth2 credential needs " + f)
			}
		}
		return newOAuthTransport(ctx, cred, base, tokens), nil
	default:
		return nil, errors.New("servicenow: unknown credential kind " + cred.Kind)
	}
}

// basicAuth sets basic credentials on every request.
type basicAuth struct {
	base       http.RoundTripper
	user, pass string
}

// RoundTrip sends a clone of r with the credentials.
func (b *basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.SetBasicAuth(b.user, b.pass)
	base := b.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}
