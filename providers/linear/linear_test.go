package linear

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/linear/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testKey    = "lin_api_sequinsuite0123456789abcdef"
	testSecret = "lin_wh_sequin_suite_secret"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := make([]string, len(entityTypes))
	for i, et := range entityTypes {
		ids[i] = et.collectionID()
	}
	providertest.Run(t, providertest.Harness{
		Provider:           New(),
		NewUpstream:        newUpstream,
		Collections:        ids,
		MutationCollection: "linear:issues",
		SampleCreate: map[string]any{
			"title": "Ada's first issue", "description": "Found by the suite.", "priority": 2,
			"team": map[string]any{"id": emulator.DefaultTeamID},
		},
		SampleUpdate:  map[string]any{"title": "Ada's renamed issue", "priority": 1, "estimate": nil},
		WebhookSecret: testSecret,
	})
}

// testBundle is an emulator and a session wired to it.
type testBundle struct {
	srv  *emulator.Server
	sess *providers.Session
}

// setup starts an emulator with cfg (its key and secret filled in) and returns a session to it.
func setup(t *testing.T, cfg emulator.Config) *testBundle {
	t.Helper()
	cfg.APIKeys = []string{testKey}
	cfg.WebhookSecret = testSecret
	srv := emulator.New(cfg)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testBundle{srv: srv, sess: session(t, url, providers.Credential{Kind: KindAPIKey, Properties: map[string]any{"api_key": testKey}})}
}

// session returns a session to the API at url, as the engine builds it.
func session(t *testing.T, url string, cred providers.Credential) *providers.Session {
	t.Helper()
	p := New()
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
	b := setup(t, emulator.Config{Seed: opts.Seed, RandSeed: time.Now().UnixNano(), RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow})
	return b.sess, &upstream{srv: b.srv, t: t}
}

// upstream drives the emulator for the conformance suite.
type upstream struct {
	srv *emulator.Server
	t   *testing.T
}

// entityOf returns the entity type of a collection id.
func entityOf(t *testing.T, collectionID string) *entityType {
	for _, et := range entityTypes {
		if et.collectionID() == collectionID {
			return et
		}
	}
	t.Fatalf("no collection %s", collectionID)
	return nil
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	if data != nil {
		// Mutation data names related entities as {"team": {"id": ...}}; the emulator takes teamId.
		in := map[string]any{}
		for k, v := range data {
			if rel, ok := relations[k]; ok {
				v, _ = relationID(v)
				k = rel
			}
			in[k] = v
		}
		data = in
	}
	return u.srv.Create(entityOf(u.t, collectionID).name, data)
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	return u.srv.Update(entityOf(u.t, collectionID).name, id, data)
}

func (u *upstream) Delete(collectionID, id string) error {
	return u.srv.Delete(entityOf(u.t, collectionID).name, id)
}

func (u *upstream) IDs(collectionID string) []string {
	return u.srv.IDs(entityOf(u.t, collectionID).name)
}

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	et := entityOf(u.t, collectionID)
	return u.srv.Object(et.name, id, et.selection)
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Status: f.Status, RetryAfter: int(math.Ceil(f.RetryAfter.Seconds())),
		Body: string(f.Body), AfterApply: f.AfterApply, Count: f.Count})
}

func (u *upstream) RefusedSession() *providers.Session {
	return session(u.t, u.srv.URL(), providers.Credential{Kind: KindAPIKey, Properties: map[string]any{"api_key": "lin_api_refused0000000000000000"}})
}

func (u *upstream) Requests() int { return len(u.srv.Requests()) }

func (u *upstream) SignedWebhook(collectionID, id string, at time.Time) (http.Header, []byte) {
	et := entityOf(u.t, collectionID)
	if et.webhook == "" {
		return nil, nil
	}
	h, body, err := u.srv.SignedWebhook(et.name, id, at)
	if err != nil {
		u.t.Fatalf("signing a webhook: %v", err)
	}
	return h, body
}
