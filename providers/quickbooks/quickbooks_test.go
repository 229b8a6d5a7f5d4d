package quickbooks

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/quickbooks/emulator"
)

const (
	testRealm        = "9130350000000042"
	testClientID     = "ABsuiteClientId"
	testClientSecret = "suite-client-secret-do-not-leak"
	testRefresh      = "AB11suite-refresh-token"
	testVerifier     = "suite-verifier-token"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := make([]string, len(entities))
	for i, e := range entities {
		ids[i] = e.collectionID()
	}
	providertest.Run(t, providertest.Harness{
		Provider:           New(),
		NewUpstream:        newUpstream,
		Collections:        ids,
		MutationCollection: "quickbooks:customer",
		SampleCreate: map[string]any{
			"DisplayName": "Ada Lovelace", "GivenName": "Ada", "FamilyName": "Lovelace",
			"PrimaryEmailAddr": map[string]any{"Address": "ada@example.com"},
		},
		SampleUpdate: map[string]any{
			"DisplayName":      "Ada King",
			"PrimaryEmailAddr": map[string]any{"Address": "ada.king@example.com"},
		},
		WebhookSecret:  testVerifier,
		WebhookUntimed: true,
	})
}

// upstream drives a QuickBooks emulator for the conformance suite.
type upstream struct {
	t    testing.TB
	srv  *emulator.Server
	base string
}

var _ providertest.Upstream = (*upstream)(nil)

func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	t.Helper()
	srv := emulator.New(emulator.Config{RealmID: testRealm, ClientID: testClientID, ClientSecret: testClientSecret,
		RefreshTokens: []string{testRefresh}, Seed: opts.Seed, RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow,
		WebhookSecret: testVerifier})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u := &upstream{t: t, srv: srv, base: base}
	return u.session(testRefresh), u
}

// session wires a session to the emulator the way the engine does; pages of 100 make the suite's
// 250 objects three pages.
func (u *upstream) session(refresh string) *providers.Session {
	return testSession(u.t, u.base, credential(refresh), map[string]any{"base_url": u.base, "page_size": 100})
}

func credential(refresh string) providers.Credential {
	return providers.Credential{ID: "cred-suite", Kind: KindOAuth2, Properties: map[string]any{
		"realm_id": testRealm, "client_id": testClientID, "client_secret": testClientSecret, "refresh_token": refresh}}
}

func testSession(t testing.TB, base string, cred providers.Credential, opts map[string]any) *providers.Session {
	p := New()
	rt, err := p.Authenticate(context.Background(), cred, http.DefaultTransport, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync-suite",
		Client:     &providers.Client{BaseURL: base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
		Options:    opts,
	}
}

// entityOf maps "quickbooks:customer" to "Customer".
func entityOf(collectionID string) string {
	name := strings.TrimPrefix(collectionID, Name+":")
	for _, e := range entities {
		if e.collectionName() == name {
			return e.name
		}
	}
	return name
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	o, err := u.srv.Create(entityOf(collectionID), data)
	if err != nil {
		return "", err
	}
	return o["Id"].(string), nil
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	_, err := u.srv.Update(entityOf(collectionID), id, data)
	return err
}

func (u *upstream) Delete(collectionID, id string) error {
	return u.srv.Delete(entityOf(collectionID), id)
}

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(entityOf(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	o, ok := u.srv.Object(entityOf(collectionID), id)
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

func (u *upstream) RefusedSession() *providers.Session { return u.session("AB11revoked") }

func (u *upstream) Requests() int { return len(u.srv.Requests()) }

// SignedWebhook signs the data-change notification QuickBooks sends about an update of the object.
func (u *upstream) SignedWebhook(collectionID, id string, at time.Time) (http.Header, []byte) {
	body := u.srv.Notification(entityOf(collectionID), id, "Update", at)
	return http.Header{"Intuit-Signature": {emulator.Sign(testVerifier, body)}}, body
}
