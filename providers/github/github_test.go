package github_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/github"
	"github.com/sequinsync/sequin/providers/github/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testToken         = "ghp_conformanceSuiteToken0000000000000"
	testWebhookSecret = "github-webhook-secret"
)

var allCollections = []string{
	"github:repositories", "github:issues", "github:pull_requests", "github:issue_comments",
	"github:commits", "github:releases", "github:members",
}

func TestConformance(t *testing.T) {
	t.Parallel()
	p := github.New()
	providertest.Run(t, providertest.Harness{
		Provider: p,
		NewUpstream: func(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
			return newUpstream(t, p, opts)
		},
		Collections: allCollections,
		// Three pages of members and repositories (100 a page) and a page per content repository of
		// the rest; a larger seed only costs time.
		BackfillSeed:       210,
		CreationPolled:     []string{"github:commits"},
		MutationCollection: "github:issue_comments",
		SampleCreate:       map[string]any{"issue_url": "https://api.github.com/repos/acme/api/issues/1", "body": "Created by the conformance suite."},
		SampleUpdate:       map[string]any{"body": "Edited by the conformance suite."},
		WebhookSecret:      testWebhookSecret,
		// X-Hub-Signature-256 covers the body only: GitHub signs no delivery time.
		WebhookUntimed: true,
	})
}

// upstream drives an emulator for the suite.
type upstream struct {
	t   *testing.T
	p   providers.Provider
	srv *emulator.Server
	url string
}

func newUpstream(t *testing.T, p providers.Provider, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
	t.Helper()
	srv := emulator.New(emulator.Config{Seed: opts.Seed, RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow,
		Tokens: []string{testToken}, WebhookSecret: testWebhookSecret})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the emulator: %v", err)
		}
	})
	u := &upstream{t: t, p: p, srv: srv, url: base}
	return u.session(testToken), u
}

// session returns a session to the emulator with a token credential, syncing the organization.
func (u *upstream) session(token string) *providers.Session {
	cred := providers.Credential{ID: "cred-" + token[len(token)-6:], Kind: github.KindToken, Properties: map[string]any{"token": token}}
	rt, err := u.p.Authenticate(u.t.Context(), cred, http.DefaultTransport, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync-test",
		Client:     &providers.Client{BaseURL: u.url, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: u.p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{"org": "acme"},
	}
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	obj, err := u.srv.Create(collectionID, data)
	if err != nil {
		return "", err
	}
	return emulator.ObjectKey(collectionID, obj), nil
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	_, err := u.srv.Update(collectionID, id, data)
	return err
}

func (u *upstream) Delete(collectionID, id string) error { return u.srv.Delete(collectionID, id) }

func (u *upstream) IDs(collectionID string) []string { return u.srv.Keys(collectionID) }

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	return u.srv.Raw(collectionID, id)
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Status: f.Status, Body: string(f.Body), AfterApply: f.AfterApply,
		Count: f.Count, RetryAfter: int((f.RetryAfter + time.Second - 1) / time.Second)})
}

func (u *upstream) RefusedSession() *providers.Session {
	return u.session("ghp_refusedByTheEmulator000000000000000")
}

func (u *upstream) Requests() int { return u.srv.RequestCount() }

func (u *upstream) SignedWebhook(collectionID, id string, _ time.Time) (http.Header, []byte) {
	h, body, err := u.srv.Webhook(collectionID, id)
	if err != nil {
		u.t.Fatalf("webhook about %s %s: %v", collectionID, id, err)
	}
	return h, body
}
