// Package salesforce syncs a Salesforce org through the REST API: accounts, contacts, leads,
// opportunities, tasks and users, plus any queryable object found by describe (custom objects
// included). Backfills run SOQL ordered by Id and follow nextRecordsUrl; changes run SOQL on
// SystemModstamp with an overlap window, through queryAll so that deleted records (IsDeleted = true)
// arrive in the same feed; writes go through the composite resource. Authentication is the OAuth2
// refresh-token flow; the org's daily API use (Sforce-Limit-Info) is watched so a sync never
// exhausts it. Salesforce's REST API signs no outbound webhooks, so the provider verifies none.
package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "salesforce:<name>".
const Name = "salesforce"

// APIVersion is the REST API version every request names in its path (Spring '24), so answers keep
// their shape when the org is upgraded.
const APIVersion = "60.0"

// KindOAuth2 is a connected app's refresh token for a user of the org.
const KindOAuth2 = "salesforce_oauth2"

// DefaultLoginURL is where refresh tokens are exchanged unless the credential names another login
// host (https://test.salesforce.com for a sandbox, or the org's My Domain).
const DefaultLoginURL = "https://login.salesforce.com"

// instancePlaceholder stands for the credential's instance URL in the default base URL.
const instancePlaceholder = "{instance_url}"

// Provider is the Salesforce provider.
type Provider struct {
	collections []*providers.Collection
	byName      map[string]*providers.Collection
}

// New returns the Salesforce provider.
func New() providers.Provider {
	p := &Provider{byName: map[string]*providers.Collection{}}
	for _, t := range declared {
		c := t.collection()
		p.collections = append(p.collections, c)
		p.byName[c.Name] = c
	}
	return p
}

var _ providers.CollectionDiscoverer = (*Provider)(nil)

// Spec describes Salesforce. Its REST API has no per-second limit, only the org's daily allocation
// and at most 25 long-running requests at once; the default budget is modest because the daily
// allocation is shared with every other integration of the org.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Salesforce",
		DefaultBaseURL: instancePlaceholder,
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindOAuth2,
			Description: "A refresh token a connected app obtained for a user of the org (OAuth2 web server flow, scopes api and refresh_token).",
			Fields: []providers.CredentialField{
				{Name: "instance_url", Type: "string", Required: true, Description: "The org's instance URL, e.g. https://acme.my.salesforce.com."},
				{Name: "refresh_token", Type: "string", Required: true, Secret: true, Description: "The refresh token."},
				{Name: "client_id", Type: "string", Required: true, Description: "The connected app's consumer key."},
				{Name: "client_secret", Type: "string", Secret: true, Description: "The connected app's consumer secret (required unless the app lets refresh tokens be used without it)."},
				{Name: "access_token", Type: "string", Secret: true, Description: "A current access token, if one is at hand; refreshed when it expires."},
				{Name: "login_url", Type: "string", Description: "Where tokens are refreshed: https://login.salesforce.com (default), https://test.salesforce.com for sandboxes, or the org's My Domain."},
				{Name: "api_usage_ceiling", Type: "integer", Description: "Percentage of the org's daily API allocation at which sequin stops calling until use drops (default 90)."},
			},
		}},
		DefaultRateLimit:   providers.RateLimit{AllowedRequests: 10, IntervalMS: 1000, MaxConcurrentRequests: 5},
		DynamicCollections: "any queryable object by its API name in lower case, e.g. salesforce:invoice__c, with columns from its describe metadata",
	}
}

// Collections lists the declared objects.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate validates the credential and returns the transport that refreshes sessions, follows
// the instance URL and watches the daily API use.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindOAuth2 {
		return nil, errors.New("salesforce: unknown credential kind " + cred.Kind)
	}
	for _, name := range []string{"instance_url", "refresh_token", "client_id"} {
		if cred.String(name) == "" {
			return nil, fmt.Errorf("salesforce: a %s credential needs %s", KindOAuth2, name)
		}
	}
	ceiling, err := ceilingOf(cred)
	if err != nil {
		return nil, err
	}
	return newAuthTransport(ctx, cred, base, tokens, ceiling)
}

// DiscoverCollection builds the collection of any queryable object from its describe metadata. A
// declared name returns the declared collection.
func (p *Provider) DiscoverCollection(ctx context.Context, s *providers.Session, name string) (*providers.Collection, error) {
	if c, ok := p.byName[name]; ok {
		return c, nil
	}
	if !providers.ValidCollectionName(name) {
		return nil, notFound("no object is called " + clip(name))
	}
	objects, err := describeGlobal(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("salesforce: listing the org's objects: %w", err)
	}
	var api string
	for _, o := range objects {
		if o.Queryable && collectionName(o.Name) == name {
			api = o.Name
			break
		}
	}
	if api == "" {
		return nil, notFound("the org has no queryable object called " + name)
	}
	d, err := describe(ctx, s, api, true)
	if err != nil {
		return nil, fmt.Errorf("salesforce: describing %s: %w", api, err)
	}
	return discovered(d).collection(), nil
}

// notFound is the error for a collection or record that does not exist.
func notFound(msg string) *providers.Error {
	return &providers.Error{Kind: providers.ErrNotFound, Status: http.StatusNotFound, Code: "NOT_FOUND", Message: "salesforce: " + msg}
}
