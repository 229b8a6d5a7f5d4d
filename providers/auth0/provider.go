// Package auth0 syncs an Auth0 tenant through the Management API v2: users (backfilled and followed
// through user search on updated_at, deletes from the tenant logs), organizations, roles, clients and
// connections (re-listed, deletes found by sweep). It authenticates with a machine-to-machine
// application's client credentials and writes users back (create, update, delete).
package auth0

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "auth0:<name>".
const Name = "auth0"

// KindClientCredentials is a machine-to-machine application authorized for the Management API: its
// client id and secret are exchanged for a Management API token at https://<domain>/oauth/token.
const KindClientCredentials = "auth0_client_credentials"

// domainPlaceholder stands for the tenant's domain in the default base URL.
const domainPlaceholder = "{domain}"

// Provider is the Auth0 provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the Auth0 provider.
func New() providers.Provider { return &Provider{collections: buildCollections()} }

// Spec describes Auth0. The default rate limit is the Management API's smallest published budget (2
// requests per second on free tenants); paid tenants may raise it per credential.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Auth0",
		DefaultBaseURL: "https://" + domainPlaceholder,
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindClientCredentials,
			Description: "A machine-to-machine application authorized for the Auth0 Management API (read:users, read:organizations, read:roles, read:clients, read:connections, read:logs; create/update/delete:users for mutations).",
			Fields: []providers.CredentialField{
				{Name: "domain", Type: "string", Required: true, Description: "The tenant's canonical domain, e.g. acme.us.auth0.com (not a custom domain)."},
				{Name: "client_id", Type: "string", Required: true, Description: "The machine-to-machine application's client id."},
				{Name: "client_secret", Type: "string", Required: true, Secret: true, Description: "The application's client secret."},
				{Name: "audience", Type: "string", Description: "The Management API audience; defaults to https://<domain>/api/v2/."},
				{Name: "access_token", Type: "string", Secret: true, Description: "The current Management API token, kept so that a restart does not mint a new one."},
				{Name: "expires_at", Type: "string", Description: "When access_token expires (RFC 3339)."},
			},
		}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 2, IntervalMS: 1000, MaxConcurrentRequests: 2},
	}
}

// Collections lists the synced Auth0 object types.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

var domainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]+)?$`)

// normalizeDomain accepts "acme.us.auth0.com" or "https://acme.us.auth0.com/" and returns the host.
func normalizeDomain(v string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(v))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	d = strings.TrimRight(d, "/")
	if !domainPattern.MatchString(d) {
		return "", fmt.Errorf("auth0: domain %q is not a tenant domain such as acme.us.auth0.com", clip(v))
	}
	return d, nil
}

// Authenticate validates the credential and returns a transport that obtains Management API tokens
// with the client-credentials grant and sends them as bearer tokens.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindClientCredentials {
		return nil, fmt.Errorf("auth0: unknown credential kind %q", cred.Kind)
	}
	domain, err := normalizeDomain(cred.String("domain"))
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"client_id", "client_secret"} {
		if cred.String(f) == "" {
			return nil, fmt.Errorf("auth0: an %s credential needs %s", KindClientCredentials, f)
		}
	}
	audience := cred.String("audience")
	if audience == "" {
		audience = "https://" + domain + "/api/v2/"
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return newTokenTransport(ctx, cred, audience, base, tokens), nil
}

// apiBase returns the API root of a session: the sync's base_url when set, otherwise the default with
// the credential's domain filled in.
func apiBase(s *providers.Session) (string, error) {
	base := strings.TrimRight(s.Client.BaseURL, "/")
	if !strings.Contains(base, domainPlaceholder) {
		return base, nil
	}
	domain, err := normalizeDomain(s.Credential.String("domain"))
	if err != nil {
		return "", &providers.Error{Kind: providers.ErrUnauthorized, Message: err.Error(), Err: err}
	}
	return strings.Replace(base, domainPlaceholder, domain, 1), nil
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
