package marketo

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/marketo/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testClientID = "suite-client-id"
	testSecret   = "suite-client-secret-do-not-leak"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Harness{
		Provider:           New(),
		NewUpstream:        newUpstream,
		Collections:        []string{"marketo:program", "marketo:lead", "marketo:activity", "marketo:list"},
		CreationPolled:     []string{"marketo:activity"},
		MutationCollection: "marketo:lead",
		SampleCreate:       map[string]any{"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "company": "Analytical Engines"},
		SampleUpdate:       map[string]any{"lastName": "King", "title": "Countess of Lovelace"},
	})
}

type upstream struct {
	t    testing.TB
	srv  *emulator.Server
	base string
}

var _ providertest.Upstream = (*upstream)(nil)

func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	t.Helper()
	srv := emulator.New(emulator.Config{ClientID: testClientID, ClientSecret: testSecret, Seed: opts.Seed,
		RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u := &upstream{t: t, srv: srv, base: base}
	return u.session(testSecret), u
}

// session wires a session to the emulator; pages of 100, 8 KB export chunks and a backfill starting
// two days back make the suite's objects several pages.
func (u *upstream) session(secret string) *providers.Session {
	return testSession(u.t, u.base, credential(u.base, secret), map[string]any{
		"page_size": 100, "bulk_chunk_bytes": 8192, "backfill_since": time.Now().AddDate(0, 0, -2).UTC().Format(time.RFC3339)})
}

func credential(base, secret string) providers.Credential {
	return providers.Credential{ID: "cred-suite", Kind: KindClientCredentials, Properties: map[string]any{
		"endpoint_url": base + "/rest", "identity_url": base + "/identity", "client_id": testClientID, "client_secret": secret}}
}

func testSession(t testing.TB, base string, cred providers.Credential, opts map[string]any) *providers.Session {
	p := New()
	rt, err := p.Authenticate(context.Background(), cred, http.DefaultTransport, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync-suite",
		Client:     &providers.Client{BaseURL: p.Spec().DefaultBaseURL, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
		Options:    opts,
	}
}

func coll(collectionID string) string {
	name := strings.TrimPrefix(collectionID, Name+":")
	if name == "activity" {
		return "activities"
	}
	return name + "s"
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	return u.srv.Create(coll(collectionID), data)
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	return u.srv.Update(coll(collectionID), id, data)
}

func (u *upstream) Delete(collectionID, id string) error { return u.srv.Delete(coll(collectionID), id) }

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(coll(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	o, ok := u.srv.Object(coll(collectionID), id)
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

// SignedWebhook returns nil: Marketo webhooks are smart-campaign calls without a signature scheme.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }
