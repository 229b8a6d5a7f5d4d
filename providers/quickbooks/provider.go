// Package quickbooks syncs a QuickBooks Online company (realm) through the Accounting API v3:
// customers, invoices, payments, items, vendors, bills and accounts. Backfills page through the query
// language (STARTPOSITION/MAXRESULTS), changes and deletes come from the Change Data Capture endpoint,
// customers are written back with requestid idempotency and SyncToken-guarded sparse updates, and
// data-change webhooks are verified with the app's verifier token.
package quickbooks

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "quickbooks:<name>".
const Name = "quickbooks"

// KindOAuth2 is an Intuit OAuth2 connection to one company: the app's client id and secret, the
// company's realm id and a refresh token (which Intuit rotates on every refresh).
const KindOAuth2 = "quickbooks_oauth2"

// MinorVersion pins the Accounting API minor version every request asks for, so object shapes do not
// change under a sync.
const MinorVersion = "75"

// The Intuit hosts: production and sandbox APIs and the token endpoint they share.
const (
	productionHost = "quickbooks.api.intuit.com"
	sandboxHost    = "sandbox-quickbooks.api.intuit.com"
	intuitTokenURL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
	tokenPath      = "/oauth2/v1/tokens/bearer"
)

// Provider is the QuickBooks Online provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the QuickBooks Online provider.
func New() providers.Provider { return &Provider{collections: buildCollections()} }

var _ providers.WebhookVerifier = (*Provider)(nil)

// Spec describes QuickBooks Online. Intuit throttles at 500 requests per minute and 10 concurrent
// requests per realm and app; the default keeps a margin below both.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "QuickBooks Online",
		DefaultBaseURL: "https://" + productionHost,
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindOAuth2,
			Description: "An Intuit OAuth2 connection (scope com.intuit.quickbooks.accounting) to one company.",
			Fields: []providers.CredentialField{
				{Name: "realm_id", Type: "string", Required: true, Description: "The company's realm id."},
				{Name: "refresh_token", Type: "string", Required: true, Secret: true, Description: "The refresh token; Intuit rotates it and sequin stores the new one."},
				{Name: "client_id", Type: "string", Required: true, Description: "The Intuit app's client id."},
				{Name: "client_secret", Type: "string", Required: true, Secret: true, Description: "The Intuit app's client secret."},
				{Name: "access_token", Type: "string", Secret: true, Description: "The current access token, if any."},
				{Name: "expires_at", Type: "string", Description: "When access_token expires (RFC 3339)."},
				{Name: "sandbox", Type: "boolean", Description: "True for a sandbox company (sandbox-quickbooks.api.intuit.com)."},
				{Name: "token_url", Type: "string", Description: "Overrides the token endpoint (defaults to Intuit's, or to the base URL's own for emulators)."},
			},
		}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 450, IntervalMS: 60_000, MaxConcurrentRequests: 8},
	}
}

// Collections lists the synced QuickBooks entities.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

var realmPattern = regexp.MustCompile(`^[0-9]{1,30}$`)

// Authenticate validates the credential and returns a transport that refreshes access tokens.
func (*Provider) Authenticate(ctx context.Context, cred providers.Credential, base http.RoundTripper, tokens providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindOAuth2 {
		return nil, fmt.Errorf("quickbooks: unknown credential kind %q", cred.Kind)
	}
	for _, f := range []string{"realm_id", "refresh_token", "client_id", "client_secret"} {
		if cred.String(f) == "" {
			return nil, fmt.Errorf("quickbooks: a %s credential needs %s", KindOAuth2, f)
		}
	}
	if !realmPattern.MatchString(cred.String("realm_id")) {
		return nil, fmt.Errorf("quickbooks: realm_id %q is not a company id (digits only)", clip(cred.String("realm_id")))
	}
	if u := cred.String("token_url"); u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, fmt.Errorf("quickbooks: token_url %q is not an absolute URL", clip(u))
		}
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &oauthTransport{ctx: context.WithoutCancel(ctx), cred: cred, base: base, tokens: tokens, byURL: map[string]http.RoundTripper{}}, nil
}

// oauthTransport authenticates with the shared OAuth2 plumbing. Intuit's token endpoint is on its own
// host; a sync pointed at another base URL (an emulator or a proxy) gets tokens from that base URL's
// own token path, so the token URL is chosen from the request's origin on first use.
type oauthTransport struct {
	ctx    context.Context
	cred   providers.Credential
	base   http.RoundTripper
	tokens providers.TokenStore

	mu    sync.Mutex
	byURL map[string]http.RoundTripper
}

// RoundTrip sends r with an access token.
func (t *oauthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tokenURL := t.cred.String("token_url")
	if tokenURL == "" {
		tokenURL = intuitTokenURL
		if h := r.URL.Hostname(); h != productionHost && h != sandboxHost {
			prefix := ""
			if i := strings.Index(r.URL.Path, "/v3/company/"); i > 0 {
				prefix = r.URL.Path[:i]
			}
			tokenURL = r.URL.Scheme + "://" + r.URL.Host + prefix + tokenPath
		}
	}
	t.mu.Lock()
	rt := t.byURL[tokenURL]
	if rt == nil {
		cfg := &oauth2.Config{
			ClientID: t.cred.String("client_id"), ClientSecret: t.cred.String("client_secret"),
			Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		}
		rt = providers.OAuth2(t.ctx, cfg, t.cred, t.base, t.tokens)
		t.byURL[tokenURL] = rt
	}
	t.mu.Unlock()
	return rt.RoundTrip(r)
}

// companyBase returns the URL of the session's company: <base>/v3/company/<realm>, with the sandbox
// host when the credential says sandbox and the sync uses the default base URL.
func companyBase(s *providers.Session) string {
	base := strings.TrimRight(s.Client.BaseURL, "/")
	if s.Credential.Bool("sandbox") && base == "https://"+productionHost {
		base = "https://" + sandboxHost
	}
	return base + "/v3/company/" + s.Credential.String("realm_id")
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
