package sendgrid

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/sendgrid/emulator"
)

const testKey = "SG.suite-key.do-not-leak"

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Harness{
		Provider:    New(),
		NewUpstream: newUpstream,
		// Segments are left out: SendGrid lists every segment in one answer, and the suite wants pages.
		Collections:        []string{"sendgrid:list", "sendgrid:contact", "sendgrid:template", "sendgrid:global_unsubscribe"},
		CreationPolled:     []string{"sendgrid:global_unsubscribe"},
		MutationCollection: "sendgrid:list",
		SampleCreate:       map[string]any{"name": "Suite newsletter"},
		SampleUpdate:       map[string]any{"name": "Suite newsletter (weekly)"},
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
	srv := emulator.New(emulator.Config{APIKeys: []string{testKey}, Seed: opts.Seed, ExportFileSize: 100,
		RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u := &upstream{t: t, srv: srv, base: base}
	return testSession(t, base, testKey), u
}

func testSession(t testing.TB, base, key string) *providers.Session {
	p := New()
	cred := providers.Credential{ID: "cred-suite", Kind: KindAPIKey, Properties: map[string]any{"api_key": key}}
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

// coll maps a collection id to the emulator's collection.
func coll(collectionID string) string {
	name := strings.TrimPrefix(collectionID, Name+":")
	if name == "global_unsubscribe" {
		return "unsubscribes"
	}
	return name + "s"
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	o, err := u.srv.Create(coll(collectionID), data)
	if err != nil {
		return "", err
	}
	if id, ok := o["id"].(string); ok {
		return id, nil
	}
	return o["email"].(string), nil
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	_, err := u.srv.Update(coll(collectionID), id, data)
	return err
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

func (u *upstream) RefusedSession() *providers.Session {
	return testSession(u.t, u.base, "SG.revoked.key")
}

func (u *upstream) Requests() int { return len(u.srv.Requests()) }

// SignedWebhook returns nil: SendGrid's Event Webhook reports email events, not changes of these objects.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }
