// Package checkoutchamp syncs CheckoutChamp orders, customers and transactions through its CRM API:
// backfills by page over a creation-date range, follows changes with dateUpdated range queries, and
// writes customer updates back. Requests carry the API user's login id and password as form
// parameters, as the API wants them.
package checkoutchamp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// Name is the provider's stable identifier; collection ids are "checkoutchamp:<name>".
const Name = "checkoutchamp"

// KindPassword is an API user's login id and password (Admin > Users, with API access).
const KindPassword = "checkout_champ_password"

// Provider is the CheckoutChamp provider.
type Provider struct {
	collections []*providers.Collection
}

// New returns the CheckoutChamp provider.
func New() providers.Provider {
	return &Provider{collections: buildCollections()}
}

// Spec describes CheckoutChamp. It publishes no request limit; the default budget is modest.
func (*Provider) Spec() providers.Spec {
	return providers.Spec{
		Name:           Name,
		DisplayName:    "CheckoutChamp",
		DefaultBaseURL: "https://api.checkoutchamp.com",
		CredentialKinds: []providers.CredentialKind{{
			Kind:        KindPassword,
			Description: "An API user's login id and password. Dates are read in the account's time zone: set the sync option time_zone (e.g. America/New_York) when it is not UTC.",
			Fields: []providers.CredentialField{
				{Name: "login_id", Type: "string", Required: true, Description: "The API user's login id."},
				{Name: "password", Type: "string", Required: true, Secret: true, Description: "The API user's password."},
			},
		}},
		DefaultRateLimit: providers.RateLimit{AllowedRequests: 5, IntervalMS: 1000, MaxConcurrentRequests: 2},
	}
}

// Collections lists the synced collections.
func (p *Provider) Collections() []*providers.Collection { return p.collections }

// Authenticate adds the login id and password to every request's form body, never to its URL, so
// that they do not end up in access logs.
func (*Provider) Authenticate(_ context.Context, cred providers.Credential, base http.RoundTripper, _ providers.TokenStore) (http.RoundTripper, error) {
	if cred.Kind != "" && cred.Kind != KindPassword {
		return nil, errors.New("checkoutchamp: unknown credential kind " + cred.Kind)
	}
	login, pass := strings.TrimSpace(cred.String("login_id")), cred.String("password")
	if login == "" || pass == "" {
		return nil, errors.New("checkoutchamp: a checkout_champ_password credential needs login_id and password")
	}
	return &formAuth{base: base, login: login, password: pass}, nil
}

// formAuth adds loginId and password to a form-encoded POST body.
type formAuth struct {
	base            http.RoundTripper
	login, password string
}

// RoundTrip sends a clone of r whose body carries the credentials.
func (f *formAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	form := url.Values{}
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("checkoutchamp: reading request body: %w", err)
		}
		if form, err = url.ParseQuery(string(b)); err != nil {
			return nil, fmt.Errorf("checkoutchamp: request body is not a form: %w", err)
		}
	}
	form.Set("loginId", f.login)
	form.Set("password", f.password)
	body := []byte(form.Encode())
	r2 := r.Clone(r.Context())
	r2.Method = http.MethodPost
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	base := f.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}
