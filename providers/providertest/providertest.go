// Package providertest is the conformance suite every provider runs against its emulator: paging,
// resuming, change feeds, rate limits and transient failures, error classification, mutations with
// idempotency, malformed answers and webhook signatures.
package providertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// Harness is what a provider's test supplies to Run.
type Harness struct {
	// Provider is the provider under test.
	Provider providers.Provider
	// NewUpstream starts a fresh emulator seeded with opts.Seed objects per collection and returns a
	// Session wired to it (a Client with its BaseURL, the transport from Provider.Authenticate, Classify
	// from Provider.ClassifyError and no limiter) and a handle to control it. It stops the emulator
	// through t.Cleanup.
	NewUpstream func(t *testing.T, opts UpstreamOptions) (*providers.Session, Upstream)
	// Collections are the ids of the collections to exercise; each must be seedable upstream.
	Collections []string
	// Discovered are names of collections a providers.CollectionDiscoverer finds in the emulator's
	// account (a Salesforce custom object, an Airtable table). The suite discovers each through a
	// session to a fresh emulator and exercises it like the declared ones; each must be seedable.
	Discovered []string
	// CreationPolled lists collections whose Changes follow creation time rather than a change feed.
	// For them the suite expects new objects to be reported, does not expect updates of older objects
	// or deletes, and accepts objects reported again as long as their content is unchanged.
	CreationPolled []string
	// SilentUpdates lists collections whose API reports no change for a plain update of an object (for
	// example, Stripe sends no event when a payment intent's metadata changes); the suite does not
	// update their objects in the change test.
	SilentUpdates []string
	// BackfillSeed is the number of objects per collection for the backfill tests (default 250); it
	// must be large enough for at least three pages.
	BackfillSeed int
	// MutationCollection supports create, update and delete and is used for the mutation round trip.
	MutationCollection string
	// SampleCreate and SampleUpdate are mutation data in API field names. SampleUpdate should change a
	// nested key (such as one metadata key); a nil value inside a nested object means "unset".
	SampleCreate, SampleUpdate map[string]any
	// WebhookSecret is the secret webhooks are signed with, for providers implementing
	// providers.WebhookVerifier.
	WebhookSecret string
	// WebhookUntimed says the provider's webhook signature covers no timestamp (GitHub's
	// X-Hub-Signature-256, for one), so a replayed webhook cannot be told from a fresh one; the suite
	// then skips the stale-signature check. A replay is harmless: a webhook only makes the sidecar
	// fetch the object again.
	WebhookUntimed bool
}

// UpstreamOptions configures a fresh emulator.
type UpstreamOptions struct {
	// Seed is the number of objects created per collection before the test starts.
	Seed int
	// RateLimit is requests per RateLimitWindow before the emulator answers 429 (0 = unlimited).
	RateLimit       int
	RateLimitWindow time.Duration
}

// Fault makes the emulator answer the next Count requests (matching Method, when set) with Status,
// a Retry-After of RetryAfter (when positive) and Body (or the API's usual error body when nil).
type Fault struct {
	Method     string
	Status     int
	RetryAfter time.Duration
	Body       []byte
	// AfterApply applies the request upstream first and then replaces its answer: a lost response.
	AfterApply bool
	Count      int
}

// Upstream lets the suite change upstream state and inject faults through the emulator.
type Upstream interface {
	// Create makes a new object; nil data means a typical valid object.
	Create(collectionID string, data map[string]any) (id string, err error)
	// Update changes an object; nil data means some change the API reports as an update.
	Update(collectionID, id string, data map[string]any) error
	// Delete deletes an object; errors.ErrUnsupported means the API cannot delete objects of the
	// collection, and any other error that this object cannot be deleted (another may be tried).
	Delete(collectionID, id string) error
	// IDs lists the ids of every live object of the collection.
	IDs(collectionID string) []string
	// Object returns an object as the API would serve it.
	Object(collectionID, id string) (json.RawMessage, bool)
	// Fail injects a fault.
	Fail(f Fault)
	// RefusedSession returns a session to this upstream whose credential the API refuses (401).
	RefusedSession() *providers.Session
	// Requests is the number of requests the emulator has received.
	Requests() int
	// SignedWebhook returns the headers and body of a webhook about an object, signed at the given
	// time with the harness's WebhookSecret; a nil header means the provider has no webhooks.
	SignedWebhook(collectionID, id string, at time.Time) (http.Header, []byte)
}

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Provider == nil || h.NewUpstream == nil || len(h.Collections)+len(h.Discovered) == 0 {
		t.Fatal("providertest: Harness needs Provider, NewUpstream and Collections")
	}
	if h.BackfillSeed == 0 {
		h.BackfillSeed = 250
	}
	s := &suite{Harness: h, colls: map[string]*providers.Collection{}}
	for _, c := range h.Provider.Collections() {
		s.colls[c.ID] = c
	}
	if len(h.Discovered) > 0 {
		s.Collections = append(slices.Clip(h.Collections), s.discover(t)...)
	}
	for _, id := range h.Collections {
		if s.colls[id] == nil {
			t.Fatalf("providertest: collection %s is not declared by the provider", id)
		}
	}
	t.Run("validate", func(t *testing.T) {
		t.Parallel()
		if err := providers.Validate(h.Provider); err != nil {
			t.Fatal(err)
		}
	})
	s.perCollection(t, "backfill", s.testBackfill)
	s.perCollection(t, "resume", s.testResume)
	s.perCollection(t, "changes", s.testChanges)
	s.perCollection(t, "get", s.testGet)
	t.Run("rate_limit", s.testRateLimit)
	t.Run("server_error", s.testServerError)
	t.Run("unauthorized", s.testUnauthorized)
	t.Run("malformed", s.testMalformed)
	t.Run("mutation", s.testMutation)
	t.Run("webhook", s.testWebhook)
}

// suite is a harness with the provider's collections indexed.
type suite struct {
	Harness
	colls map[string]*providers.Collection
}

// perCollection runs test for every exercised collection as parallel subtests.
func (s *suite) perCollection(t *testing.T, name string, test func(t *testing.T, c *providers.Collection)) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		for _, id := range s.Collections {
			c := s.colls[id]
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				test(t, c)
			})
		}
	})
}

// creationPolled reports whether the collection's Changes follow creation time.
func (s *suite) creationPolled(id string) bool { return slices.Contains(s.CreationPolled, id) }

// first is the first exercised collection, used by the failure tests.
func (s *suite) first() *providers.Collection { return s.colls[s.Collections[0]] }

// newSession returns a session sharing nothing but the transport with sess, as a new process would.
func newSession(sess *providers.Session) *providers.Session {
	c := *sess.Client
	hc := *sess.Client.HTTP
	c.HTTP = &hc
	return &providers.Session{SyncID: sess.SyncID, Client: &c, Credential: sess.Credential, Options: sess.Options}
}

// jsonEqual reports whether two JSON documents are equal as values.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// contains reports whether got (a JSON document) holds every value of want: nested objects compare
// key by key, a nil wanted value means absent or null, anything else must be equal as JSON.
func contains(got any, want any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		if want == nil {
			return got == nil
		}
		return jsonEqual(mustJSON(got), mustJSON(want))
	}
	gm, _ := got.(map[string]any)
	for k, wv := range wm {
		gv, present := gm[k]
		if wv == nil {
			if present && gv != nil {
				return false
			}
			continue
		}
		if !present || !contains(gv, wv) {
			return false
		}
	}
	return true
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// decode parses a JSON object for contains.
func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decoding %s: %v", short(raw), err)
	}
	return m
}

// short clips a document for a failure message.
func short(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// secrets returns the credential properties the provider's spec marks secret.
func (s *suite) secrets(sess *providers.Session) []string {
	kind, ok := s.Provider.Spec().Find(sess.Credential.Kind)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range kind.Fields {
		if v := sess.Credential.String(f.Name); f.Secret && v != "" {
			out = append(out, v)
		}
	}
	return out
}
