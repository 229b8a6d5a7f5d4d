// Package airtable syncs Airtable through its Web API: the workspace's bases and the tables of a base
// (declared collections), and the records of every table of the base named by the sync's base_id
// option as collections discovered from the base's schema, with typed columns from the schema's field
// types. Records are backfilled by offset paging and followed with filterByFormula on
// LAST_MODIFIED_TIME(); deletes come from the base's webhook payloads when a webhook is named, and
// from the engine's id sweep otherwise. Records can be created, updated and deleted.
package airtable

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "airtable:<name>".
const Name = "airtable"

// The credential kinds.
const (
	// KindToken is a personal access token (pat...).
	KindToken = "airtable_token"
	// KindOAuth2 is an OAuth integration's grant: a refresh token that mints access tokens.
	KindOAuth2 = "airtable_oauth2"
)

// The sync options the provider reads.
const (
	// OptionBaseID names the base whose tables and records are synced (app...).
	OptionBaseID = "base_id"
	// OptionWebhookID names a webhook of the base (ach...) whose payloads report deleted records.
	OptionWebhookID = "webhook_id"
	// OptionMarkerField names a text field of the synced tables in which creates store their
	// mutation's idempotency key, so that a create run again finds the record it made.
	OptionMarkerField = "mutation_marker_field"
)

// Provider is the Airtable provider. It keeps process-wide state shared by every sync: the pauses
// Airtable's rate limit asks for, per base, and the records created by mutations.
type Provider struct {
	gate    *gate
	created *createdLog
}

// New returns the Airtable provider.
func New() providers.Provider {
	return &Provider{gate: newGate(), created: newCreatedLog()}
}

var (
	_ providers.WebhookVerifier      = (*Provider)(nil)
	_ providers.CollectionDiscoverer = (*Provider)(nil)
)

// Spec describes Airtable: its credential kinds and a budget below its limit of five requests a second
// per base (exceeding it costs a 30-second penalty).
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "Airtable",
		DefaultBaseURL: "https://api.airtable.com",
		CredentialKinds: []providers.CredentialKind{
			{
				Kind:        KindToken,
				Description: "A personal access token with the data.records:read and schema.bases:read scopes (data.records:write for mutations, webhook:manage for webhook payloads) and access to the synced base. Set webhook_secret to the webhook's macSecretBase64 to receive its notifications.",
				Fields: []providers.CredentialField{
					{Name: "token", Type: "string", Required: true, Secret: true, Description: "The personal access token (pat...)."},
				},
			},
			{
				Kind:        KindOAuth2,
				Description: "An OAuth integration's grant: its refresh token, which Airtable rotates at every refresh (sequin stores the new one), and the integration's client id (and secret, for a confidential client).",
				Fields: []providers.CredentialField{
					{Name: "refresh_token", Type: "string", Required: true, Secret: true, Description: "The refresh token of the grant."},
					{Name: "client_id", Type: "string", Required: true, Description: "The integration's client id."},
					{Name: "client_secret", Type: "string", Secret: true, Description: "The integration's client secret, for a confidential client."},
					{Name: "access_token", Type: "string", Secret: true, Description: "A current access token, if one is at hand; refreshed tokens are stored here."},
					{Name: "expires_at", Type: "string", Description: "When access_token expires (RFC 3339); without it the token is refreshed before first use."},
					{Name: "token_url", Type: "string", Description: "The token endpoint, if not Airtable's (https://airtable.com/oauth2/v1/token)."},
				},
			},
		},
		DefaultRateLimit:   providers.RateLimit{AllowedRequests: 4, IntervalMS: 1000, MaxConcurrentRequests: 4},
		DynamicCollections: "every table of the base named by options.base_id, by its name in snake_case (the table \"Sales Leads\" is airtable:sales_leads; a name another table, or base or table, already has gets _2, _3, ... in the schema's order)",
	}
}

// Collections lists the declared collections: the workspace's bases and the tables of the base.
func (p *Provider) Collections() []*providers.Collection {
	return []*providers.Collection{p.baseCollection(), p.tableCollection()}
}

// Authenticate sends a personal access token as a bearer token, or exchanges an OAuth grant's refresh
// token for access tokens; either way requests wait out the rate-limit pauses of their base.
func (p *Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	var rt http.RoundTripper
	var scope string
	switch cred.Kind {
	case "", KindToken:
		tok := cred.String("token")
		if tok == "" {
			return nil, errors.New("airtable: credential has no token")
		}
		rt = &providers.HeaderAuth{Base: base, Header: "Authorization", Value: "Bearer " + tok}
		scope = fingerprint("token", tok)
	case KindOAuth2:
		for _, f := range []string{"refresh_token", "client_id"} {
			if cred.String(f) == "" {
				return nil, fmt.Errorf("airtable: an %s credential needs %s", KindOAuth2, f)
			}
		}
		rt = newOAuthTransport(ctx, cred, base, tokens)
		scope = fingerprint("oauth", cred.String("client_id"), cred.String("refresh_token"), cred.ID)
	default:
		return nil, fmt.Errorf("airtable: unknown credential kind %q", cred.Kind)
	}
	return &gateTransport{base: rt, gate: p.gate, scope: scope}, nil
}

// fingerprint names a credential in process-wide state without keeping its secret.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
