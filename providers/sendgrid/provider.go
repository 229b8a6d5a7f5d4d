// Package sendgrid syncs a Twilio SendGrid account through the v3 API: Marketing contacts (backfilled
// through contact export jobs, followed through search on updated_at), lists (page_token paging;
// created, renamed and deleted as mutations), segments, templates and global unsubscribes (followed by
// creation time). SendGrid offers no updated-since listing for lists, segments or templates, so those
// are re-listed, and no deleted-object feed at all, so deletes are found by sweeping ids.
package sendgrid

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "sendgrid:<name>".
const Name = "sendgrid"

// KindAPIKey is a SendGrid API key ("SG....") with read access to Marketing, templates and
// suppressions, and write access to Marketing lists for mutations.
const KindAPIKey = "sendgrid_api_key"

// Provider is the SendGrid provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the SendGrid provider.
func New() providers.Provider { return &Provider{collections: buildCollections()} }

// Spec describes SendGrid. Most v3 endpoints allow about 600 requests per minute per account; the
// default stays below.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "SendGrid",
		DefaultBaseURL: "https://api.sendgrid.com",
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindAPIKey,
			Description: "A SendGrid API key (SG....) with marketing.read, templates.read and suppression.read scopes, plus marketing list write access for mutations.",
			Fields: []providers.CredentialField{
				{Name: "api_key", Type: "string", Required: true, Secret: true, Description: "The API key."},
				{Name: "on_behalf_of", Type: "string", Description: "A subuser's username, to act on the subuser's account (sent as on-behalf-of)."},
			},
		}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 8, IntervalMS: 1000, MaxConcurrentRequests: 4},
	}
}

// Collections lists the synced SendGrid objects.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate validates the key and sends it as a bearer token.
func (*Provider) Authenticate(_ context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindAPIKey {
		return nil, fmt.Errorf("sendgrid: unknown credential kind %q", cred.Kind)
	}
	key := strings.TrimSpace(cred.String("api_key"))
	if key == "" {
		return nil, fmt.Errorf("sendgrid: a %s credential needs api_key", KindAPIKey)
	}
	if !strings.HasPrefix(key, "SG.") {
		return nil, fmt.Errorf("sendgrid: api_key does not look like a SendGrid API key (SG....)")
	}
	var extra map[string]string
	if sub := cred.String("on_behalf_of"); sub != "" {
		extra = map[string]string{"On-Behalf-Of": sub}
	}
	return &providers.HeaderAuth{Base: base, Header: "Authorization", Value: "Bearer " + key, Extra: extra}, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
