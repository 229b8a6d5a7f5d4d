package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
)

const (
	testKey           = "sk_test_sequin_suite_4242"
	testWebhookSecret = "whsec_sequin_suite"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := make([]string, 0, len(objectTypes))
	for _, ot := range objectTypes {
		ids = append(ids, ot.collectionID())
	}
	providertest.Run(t, providertest.Harness{
		Provider:           New(),
		NewUpstream:        newUpstream,
		Collections:        ids,
		CreationPolled:     []string{"stripe:balance_transaction"},
		SilentUpdates:      []string{"stripe:payment_intent"},
		MutationCollection: "stripe:customer",
		SampleCreate: map[string]any{
			"email": "ada@example.com", "name": "Ada Lovelace", "balance": -500,
			"address":  map[string]any{"city": "London", "country": "GB"},
			"metadata": map[string]any{"plan": "gold", "source": "suite"},
		},
		SampleUpdate: map[string]any{
			"name":     "Ada King",
			"metadata": map[string]any{"plan": "platinum", "source": nil},
		},
		WebhookSecret: testWebhookSecret,
	})
}

// upstream drives a Stripe emulator for the conformance suite.
type upstream struct {
	t    *testing.T
	srv  *emulator.Server
	base string
	rev  atomic.Int64
}

// newUpstream starts a seeded emulator and a session authenticated against it.
func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	srv := emulator.New(emulator.Config{
		APIKeys: []string{testKey}, Seed: opts.Seed, RandSeed: time.Now().UnixNano(),
		RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow, WebhookSecret: testWebhookSecret,
	})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u := &upstream{t: t, srv: srv, base: base}
	return u.session(testKey), u
}

// session returns a session using key.
func (u *upstream) session(key string) *providers.Session {
	return testSession(u.t, u.base, providers.Credential{ID: "cred_suite", Kind: KindKey, Properties: map[string]any{"secret": key, "test": true}})
}

// testSession wires a session to base the way the engine does.
func testSession(t *testing.T, base string, cred providers.Credential) *providers.Session {
	t.Helper()
	p := New()
	rt, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync_suite",
		Client:     &providers.Client{BaseURL: base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
	}
}

// objectTypeOf returns the emulator's object type of a collection id.
func objectTypeOf(collectionID string) string { return strings.TrimPrefix(collectionID, Name+":") }

// first returns the id of the newest live object of typ matching keep.
func (u *upstream) first(typ string, keep func(map[string]any) bool) (string, error) {
	for _, o := range u.srv.List(typ) {
		if keep == nil || keep(o) {
			return o["id"].(string), nil
		}
	}
	return "", fmt.Errorf("no suitable %s upstream", typ)
}

// create makes an object and returns its id.
func (u *upstream) create(typ string, params map[string]any) (string, error) {
	o, err := u.srv.Create(typ, params)
	if err != nil {
		return "", err
	}
	return o["id"].(string), nil
}

// defaults returns valid creation parameters for a type, creating what they refer to.
func (u *upstream) defaults(typ string) (map[string]any, error) {
	n := u.rev.Add(1)
	switch typ {
	case "customer":
		return map[string]any{"email": fmt.Sprintf("suite%d@example.com", n), "name": fmt.Sprintf("Suite %d", n)}, nil
	case "product":
		return map[string]any{"name": fmt.Sprintf("Suite product %d", n)}, nil
	case "price":
		prod, err := u.create("product", map[string]any{"name": "Suite priced product"})
		return map[string]any{"product": prod, "currency": "usd", "unit_amount": 1000 + n}, err
	case "coupon":
		return map[string]any{"percent_off": 10, "duration": "once", "name": fmt.Sprintf("Suite %d", n)}, nil
	case "subscription":
		cus, err := u.create("customer", map[string]any{"email": "sub@example.com"})
		if err != nil {
			return nil, err
		}
		prod, err := u.create("product", map[string]any{"name": "Suite plan"})
		if err != nil {
			return nil, err
		}
		price, err := u.create("price", map[string]any{"product": prod, "currency": "usd", "unit_amount": 1500, "recurring": map[string]any{"interval": "month"}})
		return map[string]any{"customer": cus, "items": []any{map[string]any{"price": price}}}, err
	case "invoice":
		cus, err := u.create("customer", map[string]any{"email": "inv@example.com"})
		return map[string]any{"customer": cus}, err
	case "payment_intent":
		return map[string]any{"amount": 2000 + n, "currency": "usd"}, nil
	case "charge":
		return map[string]any{"amount": 3000 + n, "currency": "usd", "source": "tok_visa"}, nil
	case "refund", "dispute":
		ch, err := u.create("charge", map[string]any{"amount": 5000, "currency": "usd", "source": "tok_visa"})
		return map[string]any{"charge": ch}, err
	case "payout":
		return map[string]any{"amount": 700 + n, "currency": "usd"}, nil
	case "balance_transaction":
		return map[string]any{"amount": 900 + n, "currency": "usd", "type": "adjustment", "description": "suite"}, nil
	}
	return nil, fmt.Errorf("no defaults for %s", typ)
}

// Create creates an object, with typical parameters when data is nil.
func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	typ := objectTypeOf(collectionID)
	if data == nil {
		var err error
		if data, err = u.defaults(typ); err != nil {
			return "", err
		}
	}
	return u.create(typ, data)
}

// Update changes an object, bumping a metadata key when data is nil.
func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	if data == nil {
		data = map[string]any{"metadata": map[string]any{"suite_rev": fmt.Sprint(u.rev.Add(1))}}
	}
	_, err := u.srv.Update(objectTypeOf(collectionID), id, data)
	return err
}

// Delete deletes an object; prices cannot be deleted through Stripe's API.
func (u *upstream) Delete(collectionID, id string) error {
	typ := objectTypeOf(collectionID)
	if typ == "price" {
		return errors.ErrUnsupported // Stripe's API cannot delete prices
	}
	return u.srv.Delete(typ, id)
}

// IDs lists the live objects of a collection.
func (u *upstream) IDs(collectionID string) []string {
	objs := u.srv.List(objectTypeOf(collectionID))
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o["id"].(string)
	}
	return ids
}

// Object returns an object as the API serves it.
func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	o, ok := u.srv.Get(objectTypeOf(collectionID), id)
	if !ok || o["deleted"] == true {
		return nil, false
	}
	b, err := json.Marshal(o)
	if err != nil {
		u.t.Fatal(err)
	}
	return b, true
}

// Fail injects a fault into the emulator.
func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{
		Method: f.Method, Count: f.Count, Status: f.Status, RetryAfter: int(f.RetryAfter / time.Second),
		Body: string(f.Body), AfterApply: f.AfterApply,
	})
}

// RefusedSession returns a session whose key the emulator does not accept.
func (u *upstream) RefusedSession() *providers.Session { return u.session("sk_test_revoked_0000") }

// Requests counts the requests the emulator received.
func (u *upstream) Requests() int { return len(u.srv.Requests()) }

// SignedWebhook signs the newest real event about the object, as Stripe would deliver it.
func (u *upstream) SignedWebhook(collectionID, id string, at time.Time) (http.Header, []byte) {
	for _, ev := range u.srv.List("event") {
		data, _ := ev["data"].(map[string]any)
		obj, _ := data["object"].(map[string]any)
		typ, _ := ev["type"].(string)
		if obj["id"] != id || eventCollections[typ] == nil || eventCollections[typ].collectionID() != collectionID ||
			eventCollections[typ].isDeleteEvent(typ) {
			continue
		}
		body, err := json.Marshal(ev)
		if err != nil {
			u.t.Fatal(err)
		}
		return http.Header{"Stripe-Signature": {emulator.Sign(testWebhookSecret, at, body)}}, body
	}
	return nil, nil
}
