package airtable_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/airtable"
	"github.com/sequinsync/sequin/providers/airtable/emulator"
	"github.com/sequinsync/sequin/providers/providertest"
)

const (
	testToken = "patSuiteToken00001.0123456789abcdef"
	// testMACSecret is the webhook's macSecretBase64.
	testMACSecret = "c2VxdWluLWFpcnRhYmxlLXdlYmhvb2stc2VjcmV0"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	p := airtable.New()
	providertest.Run(t, providertest.Harness{
		Provider: p,
		NewUpstream: func(t *testing.T, opts providertest.UpstreamOptions) (*providers.Session, providertest.Upstream) {
			return newUpstream(t, p, opts)
		},
		Collections:        []string{"airtable:base", "airtable:table"},
		Discovered:         []string{"tasks", "contacts"},
		MutationCollection: "airtable:tasks",
		SampleCreate: map[string]any{"fields": map[string]any{
			"Name": "Created by the suite", "Priority": 2, "Tags": []any{"suite"}, "Done": true, "Due": "2030-01-31",
		}},
		SampleUpdate:  map[string]any{"fields": map[string]any{"Notes": "Edited by the suite.", "Priority": nil}},
		WebhookSecret: testMACSecret,
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
	cfg := emulator.Config{Seed: opts.Seed, Tokens: []string{testToken}, RateLimit: opts.RateLimit, RateLimitWindow: opts.RateLimitWindow,
		BasesPageSize: 100, WebhookSecret: testMACSecret}
	if opts.RateLimit > 0 {
		// Airtable's 30-second penalty, shortened to the test's window and announced.
		cfg.RateLimitPenalty, cfg.AnnounceRetryAfter = opts.RateLimitWindow, true
	}
	srv := emulator.New(cfg)
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

// session returns a session to the emulator with a token credential, syncing the main base and
// reading deletes from its webhook.
func (u *upstream) session(token string) *providers.Session {
	cred := providers.Credential{ID: "cred-suite", Kind: airtable.KindToken, Properties: map[string]any{"token": token}}
	rt, err := u.p.Authenticate(u.t.Context(), cred, http.DefaultTransport, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	return &providers.Session{
		SyncID:     "sync-suite",
		Client:     &providers.Client{BaseURL: u.url, HTTP: &http.Client{Transport: rt, Timeout: 30 * time.Second}, Classify: u.p.ClassifyError},
		Credential: cred,
		Options:    map[string]any{airtable.OptionBaseID: emulator.MainBaseID, airtable.OptionWebhookID: emulator.WebhookID},
	}
}

// tableOf is the emulator's table behind a record collection.
func tableOf(collectionID string) string {
	switch collectionID {
	case "airtable:tasks":
		return emulator.TasksTable
	case "airtable:contacts":
		return emulator.ContactsTable
	}
	return ""
}

func (u *upstream) Create(collectionID string, data map[string]any) (string, error) {
	switch collectionID {
	case "airtable:table":
		return u.srv.CreateTable("Created " + time.Now().Format("150405.000000"))
	case "airtable:base":
		return "", errors.ErrUnsupported
	}
	return u.srv.CreateRecord(tableOf(collectionID), data)
}

func (u *upstream) Update(collectionID, id string, data map[string]any) error {
	switch collectionID {
	case "airtable:table":
		return u.srv.RenameTable(id, "Renamed "+time.Now().Format("150405.000000"))
	case "airtable:base":
		return errors.ErrUnsupported
	}
	return u.srv.UpdateRecord(tableOf(collectionID), id, data)
}

func (u *upstream) Delete(collectionID, id string) error {
	switch collectionID {
	case "airtable:table":
		return u.srv.DeleteTable(id)
	case "airtable:base":
		return errors.ErrUnsupported
	}
	return u.srv.DeleteRecord(tableOf(collectionID), id)
}

func (u *upstream) IDs(collectionID string) []string {
	switch collectionID {
	case "airtable:table":
		return u.srv.TableIDs()
	case "airtable:base":
		return u.srv.BaseIDs()
	}
	return u.srv.RecordIDs(tableOf(collectionID))
}

func (u *upstream) Object(collectionID, id string) (json.RawMessage, bool) {
	switch collectionID {
	case "airtable:table":
		return u.srv.Table(id)
	case "airtable:base":
		return u.srv.Base(id)
	}
	return u.srv.Record(tableOf(collectionID), id)
}

func (u *upstream) Fail(f providertest.Fault) {
	u.srv.InjectFault(emulator.Fault{Method: f.Method, Status: f.Status, Body: string(f.Body), AfterApply: f.AfterApply,
		Count: f.Count, RetryAfter: int((f.RetryAfter + time.Second - 1) / time.Second)})
}

func (u *upstream) RefusedSession() *providers.Session {
	return u.session("patRefusedByTheEmulator.0123456789abcdef")
}

func (u *upstream) Requests() int { return u.srv.RequestCount() }

// SignedWebhook returns no webhook: Airtable's notifications name no record (see VerifyWebhook), so
// there is none about an object; webhook_test.go verifies the emulator's notifications instead.
func (u *upstream) SignedWebhook(string, string, time.Time) (http.Header, []byte) { return nil, nil }
