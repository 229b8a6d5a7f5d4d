package netsuite

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/netsuite/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testAccount        = "1234567_SB1"
	testConsumerKey    = "suite-consumer-key"
	testConsumerSecret = "suite-consumer-secret"
	testTokenID        = "suite-token-id"
	testTokenSecret    = "suite-token-secret"
)

// emulatorTypes maps collections to the emulator's REST record types.
var emulatorTypes = map[string]string{
	"netsuite:customer": "customer", "netsuite:sales_order": "salesOrder", "netsuite:invoice": "invoice",
	"netsuite:item": "inventoryItem", "netsuite:employee": "employee",
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := make([]string, len(recordTypes))
	for i, rt := range recordTypes {
		ids[i] = rt.collectionID()
	}
	providertest.Run(t, providertest.Harness{
		Provider:           New(),
		NewUpstream:        newUpstream,
		Collections:        ids,
		MutationCollection: "netsuite:customer",
		SampleCreate:       map[string]any{"email": "ada@example.com", "phone": "555-0100", "comments": "created by sequin"},
		SampleUpdate:       map[string]any{"phone": "555-0199", "comments": "updated by sequin"},
	})
}

// upstream drives a NetSuite emulator for the conformance suite.
type upstream struct {
	t    *testing.T
	srv  *emulator.Server
	base string
	rev  atomic.Int64
}

func startEmulator(t *testing.T, opts providertest.UpstreamOptions) *upstream {
	t.Helper()
	srv := emulator.New(emulator.Config{
		Account:   testAccount,
		Consumers: map[string]string{testConsumerKey: testConsumerSecret},
		Tokens:    map[string]string{testTokenID: testTokenSecret},
		Seed:      opts.Seed, RandSeed: time.Now().UnixNano(),
		RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow,
	})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &upstream{t: t, srv: srv, base: base}
}

func newUpstream(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	u := startEmulator(t, opts)
	return u.session(credential(testTokenSecret)), u
}

func credential(tokenSecret string) providers.Credential {
	return providers.Credential{ID: "cred_suite", Kind: KindTBA, Properties: map[string]any{
		"account_id": testAccount, "consumer_key": testConsumerKey, "consumer_secret": testConsumerSecret,
		"token_id": testTokenID, "token_secret": tokenSecret}}
}

// session wires a session to the emulator the way the engine does, with base_url set to it.
func (u *upstream) session(cred providers.Credential) *providers.Session {
	u.t.Helper()
	p := New()
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

func typeOf(collectionID string) *recordType {
	for _, rt := range recordTypes {
		if rt.collectionID() == collectionID {
			return rt
		}
	}
	return nil
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	if data == nil && collectionID == "netsuite:customer" {
		data = map[string]any{"email": fmt.Sprintf("suite%d@example.com", u.rev.Add(1))}
	}
	return u.srv.Create(emulatorTypes[collectionID], data)
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	return u.srv.Update(emulatorTypes[collectionID], id, data)
}

func (u *upstream) Delete(collectionID, id string) error {
	return u.srv.Delete(emulatorTypes[collectionID], id)
}

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(emulatorTypes[collectionID]) }

// Object returns a record as SuiteQL serves it to the provider's own query.
func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	rows, _, err := u.srv.Query(typeOf(collectionID).selectQuery("", "id = "+id), 0, 1)
	if err != nil {
		u.t.Fatal(err)
	}
	if len(rows) == 0 {
		return nil, false
	}
	b, err := json.Marshal(rows[0])
	if err != nil {
		u.t.Fatal(err)
	}
	return b, true
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Count: f.Count, Status: f.Status,
		RetryAfter: int(f.RetryAfter / time.Second), Body: string(f.Body), AfterApply: f.AfterApply})
}

func (u *upstream) RefusedSession() *providers.Session {
	return u.session(credential("revoked-token-secret"))
}

func (u *upstream) Requests() int { return u.srv.Requests() }

// SignedWebhook reports that NetSuite has no signed webhooks of its own.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }

func emulatorOpts(seed int) providertest.UpstreamOptions {
	return providertest.UpstreamOptions{Seed: seed}
}
