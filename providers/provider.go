// Package providers defines the contract every upstream API implements: its credential kinds, its
// collections (declared as data plus fetch functions), error classification, and optional capabilities
// such as webhook verification. Provider packages live below this one and import nothing else of sequin.
package providers

import (
	"context"
	"net/http"
	"time"
)

// Provider is one upstream API (Stripe, GitHub, ...).
type Provider interface {
	// Spec describes the provider as data: name, credential kinds, default base URL and rate limits.
	Spec() Spec
	// Collections lists the collections the provider can sync.
	Collections() []*Collection
	// Authenticate wraps base with whatever the credential needs on every request (an API key header,
	// an OAuth2 token source, request signing).
	Authenticate(ctx context.Context, cred Credential, base http.RoundTripper, tokens TokenStore) (http.RoundTripper, error)
	// ClassifyError turns a non-2xx upstream response into an *Error.
	ClassifyError(status int, header http.Header, body []byte) *Error
}

// WebhookVerifier is implemented by providers whose API sends signed webhooks. It verifies the request
// and says which objects to re-fetch; the payload itself is never trusted as data.
type WebhookVerifier interface {
	VerifyWebhook(header http.Header, body []byte, secret string, now time.Time) ([]WebhookNotice, error)
}

// CollectionDiscoverer is implemented by providers whose collections depend on the account: Salesforce
// objects found by describe, Airtable tables found by the schema API. Besides its declared collections,
// such a provider accepts any collection id "<provider>:<name>" with a snake_case name, and the sidecar
// asks DiscoverCollection for it when a sync uses it, and again from time to time so that fields added
// upstream become columns.
type CollectionDiscoverer interface {
	// DiscoverCollection builds the collection called name from the account's metadata, fields and
	// all. A name the account does not have is an *Error of kind ErrNotFound.
	DiscoverCollection(ctx context.Context, s *Session, name string) (*Collection, error)
}

// RequestURLHeader is the header in which the sidecar's webhook receiver passes a verifier the full URL
// the provider called, for signatures that cover it (HubSpot's v3). The receiver overwrites whatever a
// caller sent in it.
const RequestURLHeader = "X-Sequin-Request-Url"

// WebhookNotice names an object a webhook said has changed. A notice without an UpstreamID asks for
// its collection to be polled now, and one without a CollectionID either for every collection of the
// sync: for APIs whose notifications say that something changed but not what (Airtable's).
type WebhookNotice struct {
	CollectionID string
	UpstreamID   string
	Deleted      bool
}

// Spec is the static description of a provider, published to sequin.providers_catalog.
type Spec struct {
	// Name is the stable identifier ("stripe"); collection ids are prefixed with it.
	Name string `json:"provider"`
	// DisplayName is the human name ("Stripe").
	DisplayName string `json:"display_name"`
	// DefaultBaseURL is the API root used unless a sync's options.base_url overrides it.
	DefaultBaseURL string `json:"default_base_url"`
	// CredentialKinds lists the accepted credential kinds; the first is the default.
	CredentialKinds []CredentialKind `json:"credential_kinds"`
	// DefaultRateLimit is a safe fraction of the API's published limit.
	DefaultRateLimit RateLimit `json:"default_rate_limit"`
	// TestRateLimit, when set, applies to credentials whose "test" property is true.
	TestRateLimit *RateLimit `json:"test_rate_limit,omitempty"`
	// DynamicCollections, for a CollectionDiscoverer, says in a sentence which other collection names
	// the account may offer ("any object by its API name in lower case, e.g. salesforce:invoice__c").
	DynamicCollections string `json:"dynamic_collections,omitempty"`
}

// CredentialKind is one way to authenticate against a provider.
type CredentialKind struct {
	Kind        string            `json:"kind"`
	Description string            `json:"description,omitempty"`
	Fields      []CredentialField `json:"fields"`
}

// CredentialField is one property of a credential kind.
type CredentialField struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // "string" | "boolean" | "integer"
	Required bool   `json:"required"`
	// Secret properties are encrypted at rest and never shown; the others are kept in the clear.
	Secret      bool   `json:"secret"`
	Description string `json:"description,omitempty"`
}

// RateLimit is a request budget: AllowedRequests per Interval, with at most MaxConcurrentRequests in
// flight (0 means unlimited concurrency).
type RateLimit struct {
	AllowedRequests       int `json:"allowed_requests"`
	IntervalMS            int `json:"interval"`
	MaxConcurrentRequests int `json:"max_concurrent_requests"`
}

// Interval returns the budget window as a duration.
func (r RateLimit) Interval() time.Duration { return time.Duration(r.IntervalMS) * time.Millisecond }

// Credential is a decrypted credential handed to a provider.
type Credential struct {
	ID         string
	Kind       string
	Properties map[string]any
}

// String returns a string property, or "" when absent.
func (c Credential) String(name string) string {
	s, _ := c.Properties[name].(string)
	return s
}

// Bool returns a boolean property, accepting JSON booleans and the strings "true"/"false".
func (c Credential) Bool(name string) bool {
	switch v := c.Properties[name].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// TokenStore persists credential properties a provider refreshed (an OAuth2 access or refresh token),
// so that the next process does not start from a stale token.
type TokenStore interface {
	SaveCredentialProperties(ctx context.Context, credentialID string, properties map[string]any) error
}

// Find returns the kind named kind, or the default kind when kind is empty.
func (s Spec) Find(kind string) (CredentialKind, bool) {
	if kind == "" && len(s.CredentialKinds) > 0 {
		return s.CredentialKinds[0], true
	}
	for _, k := range s.CredentialKinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return CredentialKind{}, false
}
