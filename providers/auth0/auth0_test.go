package auth0

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/auth0/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testDomain   = "sequin-suite.eu.auth0.com"
	testClientID = "suiteClientId000000000000000001"
	testSecret   = "suite-client-secret-do-not-leak"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Harness{
		Provider:           New(),
		NewUpstream:        newUpstream,
		Collections:        []string{"auth0:user", "auth0:organization", "auth0:role", "auth0:client", "auth0:connection"},
		MutationCollection: "auth0:user",
		SampleCreate: map[string]any{
			"email": "ada@example.com", "name": "Ada Lovelace", "given_name": "Ada",
			"user_metadata": map[string]any{"plan": "gold", "source": "suite"},
		},
		SampleUpdate: map[string]any{
			"name":          "Ada King",
			"user_metadata": map[string]any{"plan": "platinum", "source": nil},
		},
	})
}

// upstream drives an Auth0 emulator for the conformance suite.
type upstream struct {
	t    testing.TB
	srv  *emulator.Server
	base string
}

var _ providertest.Upstream = (*upstream)(nil)

func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	t.Helper()
	srv := emulator.New(emulator.Config{Domain: testDomain, Clients: map[string]string{testClientID: testSecret},
		Seed: opts.Seed, RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u := &upstream{t: t, srv: srv, base: base}
	return u.session(testSecret), u
}

// session wires a session to the emulator the way the engine does, base_url pointing at it.
func (u *upstream) session(secret string) *providers.Session {
	return testSession(u.t, u.base, providers.Credential{ID: "cred-suite", Kind: KindClientCredentials,
		Properties: map[string]any{"domain": testDomain, "client_id": testClientID, "client_secret": secret}})
}

func testSession(t testing.TB, base string, cred providers.Credential) *providers.Session {
	p := New()
	rt, err := p.Authenticate(context.Background(), cred, http.DefaultTransport, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync-suite",
		Client:     &providers.Client{BaseURL: base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{"base_url": base},
	}
}

// path maps a collection id to the emulator's collection (the API path segment).
func path(collectionID string) string {
	name := strings.TrimPrefix(collectionID, Name+":")
	if name == "user" {
		return users.path
	}
	for _, r := range resources {
		if r.name == name {
			return r.path
		}
	}
	return name
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	o, err := u.srv.Create(path(collectionID), data)
	if err != nil {
		return "", err
	}
	for _, f := range []string{"user_id", "client_id", "id"} {
		if id, ok := o[f].(string); ok {
			return id, nil
		}
	}
	return "", errors.New("created object has no id")
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	_, err := u.srv.Update(path(collectionID), id, data)
	return err
}

func (u *upstream) Delete(collectionID, id string) error { return u.srv.Delete(path(collectionID), id) }

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(path(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	o, ok := u.srv.Object(path(collectionID), id)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(o)
	if err != nil {
		u.t.Fatal(err)
	}
	return b, true
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Status: f.Status, RetryAfter: f.RetryAfter, Body: string(f.Body),
		AfterApply: f.AfterApply, Count: f.Count})
}

func (u *upstream) RefusedSession() *providers.Session { return u.session("revoked-secret") }

func (u *upstream) Requests() int { return len(u.srv.Requests()) }

// SignedWebhook returns nil: Auth0 event streams authenticate deliveries with a bearer token, which
// signs nothing of the body, so the provider verifies no webhooks.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }

func credential(secret string) providers.Credential {
	return providers.Credential{ID: "cred-suite", Kind: KindClientCredentials,
		Properties: map[string]any{"domain": testDomain, "client_id": testClientID, "client_secret": secret}}
}
