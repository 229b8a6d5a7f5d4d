package hubspot

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/hubspot/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testToken  = "pat-na1-11111111-2222-3333-4444-555555555555"
	testSecret = "0a1b2c3d-client-secret"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Harness{
		Provider:    New(),
		NewUpstream: newUpstream,
		Collections: []string{
			"hubspot:contacts", "hubspot:companies", "hubspot:deals", "hubspot:tickets", "hubspot:line_items", "hubspot:owners",
		},
		MutationCollection: "hubspot:contacts",
		SampleCreate: map[string]any{"properties": map[string]any{
			"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace", "phone": "+44 20 7946 0000",
		}},
		SampleUpdate:  map[string]any{"properties": map[string]any{"firstname": "Augusta", "phone": nil}},
		WebhookSecret: testSecret,
	})
}

// testBundle is an emulator and a session wired to it.
type testBundle struct {
	srv  *emulator.Server
	sess *providers.Session
}

// setup starts an emulator with cfg (its token and secret filled in) and returns a session to it.
func setup(t *testing.T, cfg emulator.Config) *testBundle {
	t.Helper()
	cfg.AccessTokens = []string{testToken}
	cfg.WebhookSecret = testSecret
	srv := emulator.New(cfg)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testBundle{srv: srv, sess: session(t, url, testToken)}
}

// session returns a session to the API at url with a private-app token, as the engine builds it.
func session(t *testing.T, url, token string) *providers.Session {
	t.Helper()
	p := New()
	cred := providers.Credential{Kind: KindPrivateApp, Properties: map[string]any{"access_token": token}}
	rt, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync-" + t.Name(),
		Client:     &providers.Client{BaseURL: url, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{},
	}
}

func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	b := setup(t, emulator.Config{Seed: opts.Seed, RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow})
	return b.sess, &upstream{srv: b.srv, t: t}
}

// upstream drives the emulator for the conformance suite.
type upstream struct {
	srv *emulator.Server
	t   *testing.T
}

// objectType maps a collection id to the emulator's type name.
func objectType(collectionID string) string { return strings.TrimPrefix(collectionID, Name+":") }

// properties reads the properties of mutation-style data ({"properties": {...}}).
func properties(data map[string]any) map[string]any {
	if data == nil {
		return nil
	}
	if p, ok := data["properties"].(map[string]any); ok {
		return p
	}
	return data
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	return u.srv.Create(objectType(collectionID), properties(data))
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	return u.srv.Update(objectType(collectionID), id, properties(data))
}

func (u *upstream) Delete(collectionID, id string) error {
	return u.srv.Delete(objectType(collectionID), id)
}

func (u *upstream) IDs(collectionID string) []string { return u.srv.List(objectType(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	typ := objectType(collectionID)
	if t := crmByName(typ); t != nil {
		return u.srv.Get(typ, id, t.properties()...)
	}
	return u.srv.Get(typ, id)
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Status: f.Status, RetryAfter: int(math.Ceil(f.RetryAfter.Seconds())),
		Body: string(f.Body), AfterApply: f.AfterApply, Count: f.Count})
}

func (u *upstream) RefusedSession() *providers.Session {
	return session(u.t, u.srv.URL(), "pat-na1-99999999-refused-token")
}

func (u *upstream) Requests() int { return len(u.srv.Requests()) }

func (u *upstream) SignedWebhook(collectionID, id string, at time.Time) (http.Header, []byte) {
	typ := objectType(collectionID)
	if crmByName(typ) == nil {
		return nil, nil
	}
	uri, h, body, err := u.srv.SignedWebhook(typ, id, at)
	if err != nil {
		panic(fmt.Sprintf("signing a webhook: %v", err))
	}
	h.Set(RequestURLHeader, uri)
	return h, body
}
