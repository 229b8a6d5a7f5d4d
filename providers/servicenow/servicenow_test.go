package servicenow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/servicenow/emulator"
)

const (
	testUser     = "sequin.integration"
	testPassword = "s3cret-suite-pass"
	testClientID = "suite-client"
	testSecret   = "suite-client-secret"
	testRefresh  = "suite-refresh-token"
	testInstance = "https://acme.service-now.com"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := make([]string, len(tableTypes))
	for i, tt := range tableTypes {
		ids[i] = tt.collectionID()
	}
	providertest.Run(t, providertest.Harness{
		Provider:           New(),
		NewUpstream:        newUpstream,
		Collections:        ids,
		MutationCollection: "servicenow:incident",
		SampleCreate:       map[string]any{"short_description": "Printer on fire", "urgency": "1", "impact": "1", "category": "hardware"},
		SampleUpdate:       map[string]any{"short_description": "Printer extinguished", "state": "2"},
	})
}

// upstream drives a ServiceNow emulator for the conformance suite.
type upstream struct {
	t    *testing.T
	srv  *emulator.Server
	base string
	rev  atomic.Int64
}

// startEmulator starts a seeded emulator that accepts the test user and OAuth client.
func startEmulator(t *testing.T, opts providertest.UpstreamOptions) *upstream {
	t.Helper()
	srv := emulator.New(emulator.Config{
		Users:         map[string]string{testUser: testPassword},
		OAuthClients:  map[string]string{testClientID: testSecret},
		RefreshTokens: []string{testRefresh},
		Seed:          opts.Seed, RandSeed: time.Now().UnixNano(),
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
	return u.session(basicCred(testPassword)), u
}

func basicCred(password string) providers.Credential {
	return providers.Credential{ID: "cred_suite", Kind: KindBasic, Properties: map[string]any{
		"instance_url": testInstance, "username": testUser, "password": password}}
}

// session wires a session to the emulator the way the engine does, with base_url set to it.
func (u *upstream) session(cred providers.Credential) *providers.Session {
	return testSession(u.t, u.base, cred, nil)
}

func testSession(t *testing.T, base string, cred providers.Credential, tokens providers.TokenStore) *providers.Session {
	t.Helper()
	p := New()
	rt, err := p.Authenticate(t.Context(), cred, http.DefaultTransport, tokens)
	if err != nil {
		t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync_suite",
		Client:     &providers.Client{BaseURL: base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{"base_url": base, "page_size": float64(100)},
	}
}

func tableOf(collectionID string) string { return strings.TrimPrefix(collectionID, Name+":") }

// strings converts suite data to the Table API's string values.
func stringValues(data map[string]any) map[string]string {
	if data == nil {
		return nil
	}
	out := make(map[string]string, len(data))
	for k, v := range data {
		if v != nil {
			out[k] = fmt.Sprint(v)
		} else {
			out[k] = ""
		}
	}
	return out
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	rec, err := u.srv.Create(tableOf(collectionID), stringValues(data))
	if err != nil {
		return "", err
	}
	return rec["sys_id"], nil
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	_, err := u.srv.Update(tableOf(collectionID), id, stringValues(data))
	return err
}

func (u *upstream) Delete(collectionID, id string) error {
	return u.srv.Delete(tableOf(collectionID), id)
}

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(tableOf(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	rec, ok := u.srv.Get(tableOf(collectionID), id)
	if !ok {
		return nil, false
	}
	b, err := json.Marshal(emulator.Render(rec))
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
	return u.session(basicCred("wrong-password-0000"))
}

func (u *upstream) Requests() int { return u.srv.Requests() }

// SignedWebhook reports that ServiceNow has no signed webhooks of its own.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }

// memTokens records persisted credential properties.
type memTokens struct {
	mu    sync.Mutex
	saved map[string]any
}

func (m *memTokens) SaveCredentialProperties(_ context.Context, _ string, props map[string]any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = props
	return nil
}

func TestOAuth2(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, providertest.UpstreamOptions{Seed: 5})
	c := New().Collections()[0]
	oauth := func(refresh string) providers.Credential {
		return providers.Credential{ID: "cred_oauth", Kind: KindOAuth2, Properties: map[string]any{
			"instance_url": testInstance, "client_id": testClientID, "client_secret": testSecret, "refresh_token": refresh}}
	}
	tokens := &memTokens{}
	p, err := c.Backfill(t.Context(), testSession(t, u.base, oauth(testRefresh), tokens), "")
	if err != nil {
		t.Fatalf("backfill with OAuth2: %v", err)
	}
	if len(p.Records) != 5 {
		t.Errorf("backfill returned %d records, want 5", len(p.Records))
	}
	tokens.mu.Lock()
	if tok, _ := tokens.saved["access_token"].(string); tok == "" {
		t.Errorf("the refreshed access token was not persisted: %v", tokens.saved)
	}
	tokens.mu.Unlock()

	_, err = c.Backfill(t.Context(), testSession(t, u.base, oauth("revoked-token"), nil), "")
	if !providers.IsUnauthorized(err) {
		t.Errorf("backfill with a revoked refresh token: %v, want unauthorized", err)
	}
}

func TestAuthenticateValidates(t *testing.T) {
	t.Parallel()
	p := New()
	bad := []providers.Credential{
		{Kind: KindBasic, Properties: map[string]any{"username": "a", "password": "b"}},
		{Kind: KindBasic, Properties: map[string]any{"instance_url": "http://acme.service-now.com", "username": "a", "password": "b"}},
		{Kind: KindBasic, Properties: map[string]any{"instance_url": "acme", "username": "a"}},
		{Kind: KindOAuth2, Properties: map[string]any{"instance_url": "acme", "client_id": "a", "client_secret": "b"}},
		{Kind: "servicenow_other", Properties: map[string]any{"instance_url": "acme"}},
	}
	for _, cred := range bad {
		if _, err := p.Authenticate(t.Context(), cred, nil, nil); err == nil {
			t.Errorf("Authenticate(%v) accepted an incomplete credential", cred.Properties)
		}
	}
	good := providers.Credential{Kind: KindBasic, Properties: map[string]any{"instance_url": "acme", "username": "a", "password": "b"}}
	if _, err := p.Authenticate(t.Context(), good, nil, nil); err != nil {
		t.Errorf("Authenticate: %v", err)
	}
}
