package stripe

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
)

func TestSpec(t *testing.T) {
	p := New()
	if err := providers.Validate(p); err != nil {
		t.Fatal(err)
	}
	spec := p.Spec()
	if spec.Name != Name || spec.DisplayName != "Stripe" || spec.DefaultBaseURL != "https://api.stripe.com" {
		t.Errorf("spec %+v", spec)
	}
	if r := spec.DefaultRateLimit; r.AllowedRequests <= 0 || r.AllowedRequests > 100 || r.IntervalMS != 1000 {
		t.Errorf("default rate limit %+v exceeds Stripe's live limit of 100/s", r)
	}
	if r := spec.TestRateLimit; r == nil || r.AllowedRequests > 25 || r.IntervalMS != 1000 {
		t.Errorf("test rate limit %+v exceeds Stripe's test limit of 25/s", r)
	}
	key, ok := spec.Find("")
	if !ok || key.Kind != KindKey {
		t.Errorf("default credential kind %q", key.Kind)
	}
	oauth, ok := spec.Find(KindOAuth2)
	if !ok {
		t.Fatal("no stripe_oauth2 kind")
	}
	fields := map[string]providers.CredentialField{}
	for _, f := range oauth.Fields {
		fields[f.Name] = f
	}
	if f := fields["secret"]; !f.Secret || !f.Required {
		t.Errorf("secret field %+v", f)
	}
	if f := fields["account_id"]; f.Secret || !f.Required {
		t.Errorf("account_id field %+v", f)
	}
	var names []string
	for _, c := range p.Collections() {
		names = append(names, c.Name)
		if len(c.Fields) < 8 {
			t.Errorf("%s has only %d fields", c.ID, len(c.Fields))
		}
		if c.Get == nil || c.Changes == nil {
			t.Errorf("%s lacks Get or Changes", c.ID)
		}
	}
	want := []string{"balance_transaction", "charge", "coupon", "customer", "dispute", "invoice", "payment_intent", "payout", "price", "product", "refund", "subscription"}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("collections %v, want %v", names, want)
	}
}

// Every event type is unique to one collection, and Stripe accepts at most 20 types per request.
func TestEventTypes(t *testing.T) {
	seen := map[string]string{}
	for _, ot := range objectTypes {
		if len(ot.events) > 20 {
			t.Errorf("%s follows %d event types; Stripe accepts 20", ot.name, len(ot.events))
		}
		for _, e := range ot.events {
			if other, dup := seen[e]; dup {
				t.Errorf("event %s belongs to %s and %s", e, other, ot.name)
			}
			seen[e] = ot.name
		}
		for _, d := range ot.deleteEvents {
			if !slices.Contains(ot.events, d) {
				t.Errorf("%s: delete event %s is not followed", ot.name, d)
			}
		}
	}
}

func TestAuthenticateHeaders(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = w.Write([]byte(`{"object":"list","data":[],"has_more":false}`))
	}))
	defer srv.Close()
	for _, tt := range []struct {
		cred    providers.Credential
		account string
	}{
		{providers.Credential{Kind: KindKey, Properties: map[string]any{"secret": "sk_test_1"}}, ""},
		{providers.Credential{Properties: map[string]any{"secret": "sk_test_1"}}, ""},
		{providers.Credential{Kind: KindOAuth2, Properties: map[string]any{"secret": "sk_test_1", "account_id": "acct_123"}}, "acct_123"},
	} {
		sess := testSession(t, srv.URL, tt.cred)
		if _, err := collection(t, "customer").Backfill(t.Context(), sess, ""); err != nil {
			t.Fatal(err)
		}
		if got.Get("Authorization") != "Bearer sk_test_1" || got.Get("Stripe-Version") != APIVersion || got.Get("Stripe-Account") != tt.account {
			t.Errorf("kind %q sent %v", tt.cred.Kind, got)
		}
	}
	for _, cred := range []providers.Credential{
		{Kind: KindKey},
		{Kind: KindOAuth2, Properties: map[string]any{"secret": "sk_test_1"}},
		{Kind: "other", Properties: map[string]any{"secret": "sk_test_1"}},
	} {
		if _, err := New().Authenticate(t.Context(), cred, nil, nil); err == nil {
			t.Errorf("Authenticate(%+v) succeeded", cred)
		} else if strings.Contains(err.Error(), "sk_test_1") {
			t.Errorf("error %v carries the key", err)
		}
	}
}

// A Connect credential reads and writes the connected account, not the platform.
func TestConnectedAccount(t *testing.T) {
	t.Parallel()
	srv, platform := startEmulator(t, emulator.Config{Seed: 7})
	connected := testSession(t, srv.URL(), providers.Credential{Kind: KindOAuth2, Properties: map[string]any{"secret": testKey, "account_id": "acct_connected1"}})
	c := collection(t, "customer")
	rec, err := c.Mutate(t.Context(), connected, &providers.Mutation{ID: "c1", Kind: providers.MutationCreate, Data: map[string]any{"email": "conn@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Backfill(t.Context(), connected, "")
	if err != nil || len(p.Records) != 1 || p.Records[0].ID != rec.ID {
		t.Fatalf("connected backfill: %+v, %v", p, err)
	}
	if _, ok := srv.Get("customer", rec.ID); ok {
		t.Error("the connected account's customer was created on the platform")
	}
	p, err = c.Backfill(t.Context(), platform, "")
	if err != nil || len(p.Records) != 7 {
		t.Errorf("platform backfill: %d records, %v", len(p.Records), err)
	}
	cp, err := c.Checkpoint(t.Context(), connected)
	if err != nil || !strings.HasPrefix(cp, "evt:") {
		t.Errorf("connected checkpoint %q, %v", cp, err)
	}
}
