package checkoutchamp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/checkoutchamp/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testLogin    = "sequin-api"
	testPassword = "suite-pass-9481"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := make([]string, len(kinds))
	for i, k := range kinds {
		ids[i] = k.collectionID()
	}
	providertest.Run(t, providertest.Harness{Provider: New(), NewUpstream: newUpstream, Collections: ids})
}

// upstream drives a CheckoutChamp emulator for the conformance suite.
type upstream struct {
	t    *testing.T
	srv  *emulator.Server
	base string
}

func startEmulator(t *testing.T, opts providertest.UpstreamOptions) *upstream {
	t.Helper()
	srv := emulator.New(emulator.Config{Logins: map[string]string{testLogin: testPassword}, Seed: opts.Seed,
		RandSeed: time.Now().UnixNano(), RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &upstream{t: t, srv: srv, base: base}
}

func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	u := startEmulator(t, opts)
	return u.session(testPassword), u
}

// session wires a session to the emulator the way the engine does.
func (u *upstream) session(password string) *providers.Session {
	u.t.Helper()
	p := New()
	cred := providers.Credential{ID: "cred_suite", Kind: KindPassword, Properties: map[string]any{"login_id": testLogin, "password": password}}
	rt, err := p.Authenticate(u.t.Context(), cred, http.DefaultTransport, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync_suite",
		Client:     &providers.Client{BaseURL: u.base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{"base_url": u.base, "page_size": float64(100)},
	}
}

func kindOf(collectionID string) string { return strings.TrimPrefix(collectionID, Name+":") }

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	return u.srv.Create(kindOf(collectionID), data)
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	return u.srv.Update(kindOf(collectionID), id, data)
}

func (u *upstream) Delete(string, string) error { return nil } // never called: no collection reports deletes

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(kindOf(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	o, ok := u.srv.Object(kindOf(collectionID), id)
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
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Count: f.Count, Status: f.Status,
		RetryAfter: int(f.RetryAfter / time.Second), Body: string(f.Body), AfterApply: f.AfterApply})
}

func (u *upstream) RefusedSession() *providers.Session { return u.session("wrong-password") }

func (u *upstream) Requests() int { return u.srv.Requests() }

// SignedWebhook reports that CheckoutChamp has no signed webhooks.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }

func TestCustomerUpdate(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, providertest.UpstreamOptions{Seed: 3})
	sess := u.session(testPassword)
	var c *providers.Collection
	for _, col := range New().Collections() {
		if col.ID == "checkoutchamp:customer" {
			c = col
		}
	}
	id := u.srv.IDs("customer")[1]
	rec, err := c.Mutate(t.Context(), sess, &providers.Mutation{ID: "m1", Kind: providers.MutationUpdate, UpstreamID: id,
		Data: map[string]any{"emailAddress": "ada@example.com", "city": "London"}})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Data, &got); err != nil {
		t.Fatal(err)
	}
	if got["emailAddress"] != "ada@example.com" || got["city"] != "London" || rec.ID != id {
		t.Errorf("update returned %s, want the customer with the new email and city", rec.Data)
	}
	up, _ := u.srv.Object("customer", id)
	if up["emailAddress"] != "ada@example.com" {
		t.Errorf("upstream customer %v was not updated", up)
	}
	_, err = c.Mutate(t.Context(), sess, &providers.Mutation{ID: "m2", Kind: providers.MutationUpdate, UpstreamID: "999999", Data: map[string]any{"city": "x"}})
	if !providers.IsNotFound(err) {
		t.Errorf("update of a missing customer: %v, want not found", err)
	}
	_, err = c.Mutate(t.Context(), sess, &providers.Mutation{ID: "m3", Kind: providers.MutationCreate, Data: map[string]any{"city": "x"}})
	if !providers.IsInvalidRequest(err) {
		t.Errorf("create: %v, want an invalid request", err)
	}
}
