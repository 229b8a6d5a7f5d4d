// Package netsuite syncs NetSuite records (customers, sales orders, invoices, items, employees)
// through SuiteQL over the REST web services: backfills by keyset pages over the internal id, follows
// changes with lastModifiedDate queries and deletes through the DeletedRecord table, and writes
// customers back through the REST record service, idempotently by upserting on an external id. Every
// request is signed with token-based authentication (OAuth 1.0a, HMAC-SHA256).
package netsuite

import (
	"context"
	"errors"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "netsuite:<name>".
const Name = "netsuite"

// KindTBA is token-based authentication: an integration record's consumer key and secret and an
// access token's id and secret, issued to a user and role of the account.
const KindTBA = "netsuite_tba"

// Provider is the NetSuite provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the NetSuite provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

// Spec describes NetSuite. Its REST web services allow a few concurrent requests per account (15
// on a standard service tier, shared with SOAP and RESTlets) and refuse more with 429, so the default
// budget keeps few requests in flight.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "NetSuite",
		DefaultBaseURL: "https://" + accountPlaceholder + ".suitetalk.api.netsuite.com",
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindTBA,
			Description: "Token-based authentication: an integration record with TBA enabled and an access token for a role with REST web services, SuiteAnalytics Workbook (for SuiteQL) and the synced records' permissions. Set the role's user to the UTC time zone: SuiteQL renders dates in it.",
			Fields: []providers.CredentialField{
				{Name: "account_id", Type: "string", Required: true, Description: "The account id, e.g. 1234567 or 1234567_SB1 for a sandbox."},
				{Name: "consumer_key", Type: "string", Required: true, Secret: true, Description: "The integration record's consumer key."},
				{Name: "consumer_secret", Type: "string", Required: true, Secret: true, Description: "The integration record's consumer secret."},
				{Name: "token_id", Type: "string", Required: true, Secret: true, Description: "The access token's id."},
				{Name: "token_secret", Type: "string", Required: true, Secret: true, Description: "The access token's secret."},
			},
		}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 10, IntervalMS: 1000, MaxConcurrentRequests: 4},
	}
}

// Collections lists the synced records.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate signs every request with the credential's tokens.
func (*Provider) Authenticate(_ context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindTBA {
		return nil, errors.New("netsuite: unknown credential kind " + cred.Kind)
	}
	realm, err := realmOf(cred.String("account_id"))
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"consumer_key", "consumer_secret", "token_id", "token_secret"} {
		if cred.String(f) == "" {
			return nil, errors.New("netsuite: a netsuite_tba credential needs " + f)
		}
	}
	return &tbaTransport{base: base, realm: realm,
		consumerKey: cred.String("consumer_key"), consumerSecret: cred.String("consumer_secret"),
		token: cred.String("token_id"), tokenSecret: cred.String("token_secret")}, nil
}
