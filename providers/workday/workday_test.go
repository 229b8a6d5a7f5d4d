package workday

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
	"github.com/sequinsync/sequin/providers/workday/emulator"
)

const (
	testTenantURL = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme"
	testClientID  = "suite-client"
	testSecret    = "suite-client-secret"
	testRefresh   = "suite-refresh-token"
)

// testReports names the emulator's change reports in a sync's options.
var testReports = map[string]any{
	"workers_report":       "ISU_Sequin/Sequin_Workers_Changed",
	"organizations_report": "ISU_Sequin/Sequin_Organizations_Changed",
	"positions_report":     "ISU_Sequin/Sequin_Positions_Changed",
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ids := make([]string, len(resources))
	for i, r := range resources {
		ids[i] = r.collectionID()
	}
	providertest.Run(t, providertest.Harness{
		Provider:    New(),
		NewUpstream: newUpstream,
		Collections: ids,
	})
}

// upstream drives a Workday emulator for the conformance suite.
type upstream struct {
	t    *testing.T
	srv  *emulator.Server
	base string
}

// startEmulator starts a seeded emulator that accepts the test client and refresh token.
func startEmulator(t *testing.T, opts providertest.UpstreamOptions) *upstream {
	t.Helper()
	srv := emulator.New(emulator.Config{
		Tenant:        "acme",
		Clients:       map[string]string{testClientID: testSecret},
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
	return u.session(cred(testRefresh), nil, testReports), u
}

func cred(refresh string) providers.Credential {
	return providers.Credential{ID: "cred_suite", Kind: KindOAuth2, Properties: map[string]any{
		"tenant_url": testTenantURL, "client_id": testClientID, "client_secret": testSecret, "refresh_token": refresh}}
}

// session wires a session to the emulator the way the engine does, with base_url set to it.
func (u *upstream) session(c providers.Credential, tokens providers.TokenStore, options map[string]any) *providers.Session {
	u.t.Helper()
	p := New()
	rt, err := p.Authenticate(u.t.Context(), c, http.DefaultTransport, tokens)
	if err != nil {
		u.t.Fatal(err)
	}
	opts := map[string]any{"base_url": u.base}
	for k, v := range options {
		opts[k] = v
	}
	return &providers.Session{
		SyncID:     "sync_suite",
		Client:     &providers.Client{BaseURL: u.base, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: p.ClassifyError},
		Credential: c,
		Options:    opts,
	}
}

func collOf(collectionID string) string { return strings.TrimPrefix(collectionID, Name+":") }

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	return u.srv.Create(collOf(collectionID), data)
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	return u.srv.Update(collOf(collectionID), id, data)
}

func (u *upstream) Delete(collectionID, id string) error {
	return u.srv.Delete(collOf(collectionID), id)
}

func (u *upstream) IDs(collectionID string) []string { return u.srv.IDs(collOf(collectionID)) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	return u.srv.Object(collOf(collectionID), id)
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Count: f.Count, Status: f.Status,
		RetryAfter: int(f.RetryAfter / time.Second), Body: string(f.Body), AfterApply: f.AfterApply})
}

func (u *upstream) RefusedSession() *providers.Session {
	return u.session(cred("revoked-refresh-0000"), nil, testReports)
}

func (u *upstream) Requests() int { return u.srv.Requests() }

// SignedWebhook reports that Workday has no signed webhooks to offer.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }

// memTokens records persisted credential properties.
type memTokens struct {
	mu    sync.Mutex
	saved []map[string]any
}

func (m *memTokens) SaveCredentialProperties(_ context.Context, _ string, props map[string]any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved = append(m.saved, props)
	return nil
}

func (m *memTokens) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.saved)
}

// collection returns the declared collection with the given name.
func collection(t *testing.T, name string) *providers.Collection {
	t.Helper()
	for _, c := range New().Collections() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no collection %s", name)
	return nil
}

func TestTokensPersistedAndRefreshedWhenRevoked(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, providertest.UpstreamOptions{Seed: 5})
	tokens := &memTokens{}
	sess := u.session(cred(testRefresh), tokens, nil)
	c := collection(t, "workers")
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil {
		t.Fatalf("backfill: %v", err)
	}
	if tokens.count() != 1 {
		t.Fatalf("persisted %d token sets, want 1", tokens.count())
	}
	tokens.mu.Lock()
	if tok, _ := tokens.saved[0]["access_token"].(string); tok == "" {
		t.Errorf("the access token was not persisted: %v", tokens.saved[0])
	}
	tokens.mu.Unlock()

	// A tenant refresh invalidates access tokens before their expiry: the next request refreshes.
	u.srv.RevokeTokens()
	p, err := c.Backfill(t.Context(), sess, "")
	if err != nil {
		t.Fatalf("backfill after the access token was revoked: %v", err)
	}
	if len(p.Records) != 5 {
		t.Errorf("backfill returned %d records, want 5", len(p.Records))
	}
	if tokens.count() != 2 {
		t.Errorf("persisted %d token sets, want a second one after the refresh", tokens.count())
	}
}

func TestStaleAccessTokenWithRevokedRefreshToken(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, providertest.UpstreamOptions{Seed: 2})
	cr := cred("revoked-refresh-0000")
	cr.Properties["access_token"] = "stale-access-token"
	cr.Properties["expires_at"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	_, err := collection(t, "workers").Backfill(t.Context(), u.session(cr, nil, nil), "")
	if !providers.IsUnauthorized(err) {
		t.Fatalf("backfill with a stale access token and a revoked refresh token: %v, want unauthorized", err)
	}
	if strings.Contains(err.Error(), "stale-access-token") || strings.Contains(err.Error(), "revoked-refresh-0000") {
		t.Errorf("error %q contains a secret", err)
	}
}

func TestAuthenticateValidates(t *testing.T) {
	t.Parallel()
	p := New()
	full := func(edit func(map[string]any)) providers.Credential {
		props := map[string]any{"tenant_url": testTenantURL, "client_id": "a", "client_secret": "b", "refresh_token": "c"}
		edit(props)
		return providers.Credential{Kind: KindOAuth2, Properties: props}
	}
	bad := []providers.Credential{
		full(func(m map[string]any) { delete(m, "tenant_url") }),
		full(func(m map[string]any) { m["tenant_url"] = "http://wd2-impl-services1.workday.com/ccx/api/v1/acme" }),
		full(func(m map[string]any) { m["tenant_url"] = "https://wd2-impl-services1.workday.com/" }),
		full(func(m map[string]any) { delete(m, "client_secret") }),
		full(func(m map[string]any) { delete(m, "refresh_token") }),
		{Kind: "workday_basic", Properties: map[string]any{"tenant_url": testTenantURL}},
	}
	for _, c := range bad {
		if _, err := p.Authenticate(t.Context(), c, nil, nil); err == nil {
			t.Errorf("Authenticate(%s, %v) accepted a bad credential", c.Kind, c.Properties)
		}
	}
	if _, err := p.Authenticate(t.Context(), full(func(map[string]any) {}), nil, nil); err != nil {
		t.Errorf("Authenticate: %v", err)
	}
}

// drain calls Changes while More and returns the records and the final cursor.
func drain(t *testing.T, c *providers.Collection, sess *providers.Session, cursor string) ([]providers.Record, string, int) {
	t.Helper()
	var all []providers.Record
	for calls := 1; calls <= 100; calls++ {
		ch, err := c.Changes(t.Context(), sess, cursor)
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		all = append(all, ch.Records...)
		cursor = ch.NextCursor
		if !ch.More {
			return all, cursor, calls
		}
	}
	t.Fatal("Changes never finished")
	return nil, "", 0
}

func TestChangesRelistWithoutReport(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, providertest.UpstreamOptions{Seed: 30})
	sess := u.session(cred(testRefresh), nil, map[string]any{"page_size": float64(10)})
	c := collection(t, "positions")
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	id, err := u.srv.Create("positions", nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, next, calls := drain(t, c, sess, cp)
	if calls < 3 {
		t.Errorf("the listing took %d calls of 10 objects, want at least 3", calls)
	}
	got := map[string]bool{}
	for _, r := range recs {
		if got[r.ID] {
			t.Errorf("%s reported twice in one listing", r.ID)
		}
		got[r.ID] = true
	}
	if len(got) != 31 || !got[id] {
		t.Errorf("the listing reported %d objects (new one included: %v), want all 31", len(got), got[id])
	}
	// The next poll lists everything again; the engine's merge drops what did not change.
	again, _, _ := drain(t, c, sess, next)
	if len(again) != 31 {
		t.Errorf("the next listing reported %d objects, want 31", len(again))
	}
}

func TestChangesReportNamedLater(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, providertest.UpstreamOptions{Seed: 5})
	c := collection(t, "workers")
	cp, err := c.Checkpoint(t.Context(), u.session(cred(testRefresh), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	id, err := u.srv.Create("workers", nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, _ := drain(t, c, u.session(cred(testRefresh), nil, testReports), cp)
	if len(recs) != 1 || recs[0].ID != id {
		t.Errorf("after the report was named, Changes reported %d records, want only %s", len(recs), id)
	}
}

func TestBackfillSurvivesDeletesBehindTheCursor(t *testing.T) {
	t.Parallel()
	u := startEmulator(t, providertest.UpstreamOptions{Seed: 40})
	sess := u.session(cred(testRefresh), nil, map[string]any{"page_size": float64(20)})
	c := collection(t, "organizations")
	p, err := c.Backfill(t.Context(), sess, "")
	if err != nil {
		t.Fatal(err)
	}
	ids := u.srv.IDs("organizations")
	for _, id := range ids[2:5] { // three objects already listed disappear
		if err := u.srv.Delete("organizations", id); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for _, r := range p.Records {
		got[r.ID] = true
	}
	for cursor := p.NextCursor; !p.Done; cursor = p.NextCursor {
		if p, err = c.Backfill(t.Context(), sess, cursor); err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			if got[r.ID] {
				t.Errorf("%s listed twice", r.ID)
			}
			got[r.ID] = true
		}
	}
	for _, id := range u.srv.IDs("organizations") {
		if !got[id] {
			t.Errorf("%s was skipped when earlier objects were deleted", id)
		}
	}
}
